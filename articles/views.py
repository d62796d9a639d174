# Placeholder: the reader pages are being written.
from django.http import HttpResponse
from django.views.generic import DetailView


def home(request):
    return HttpResponse("home")


def preview(request, pk):
    return HttpResponse("preview")


class ArticleDetailView(DetailView):
    pass


class SectionView(DetailView):
    pass


class AuthorView(DetailView):
    pass


class TagView(DetailView):
    pass
