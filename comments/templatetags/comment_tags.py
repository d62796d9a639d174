# Placeholder until the comments pipeline lands: the article page's comment area.
from django import template

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, article):
    return {"article": article, "request": context.get("request")}
