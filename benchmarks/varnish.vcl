# Stand-in until deploy/varnish.vcl exists: Varnish's built-in behaviour in front of gunicorn.
# The harness uses deploy/varnish.vcl when it is there, with the backend port replaced.
vcl 4.1;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}
