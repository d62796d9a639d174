# Varnish 7.1 (Debian bookworm) in front of the Newsroom app.
#
# The app decides what may be shared: reader pages for anonymous readers come with
# "Cache-Control: public, s-maxage=..., stale-while-revalidate=..." and a Cache-Tags header;
# everything personal is "private, no-store". On a change the app sends
# "BAN /" with "X-Cache-Tags-Ban: <regex over Cache-Tags>" (settings.HTTP_CACHE_PURGE_URLS).
vcl 4.1;

import std;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may ban or purge: the app servers. Keep it to hosts you run.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "BAN" || req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.method == "PURGE") {
            return (purge);
        }
        if (!req.http.X-Cache-Tags-Ban) {
            return (synth(400, "X-Cache-Tags-Ban missing"));
        }
        # obj.* only, so the ban lurker can drop matching objects in the background. A ban
        # argument ends at a space, so the regex's spaces go in as \x20 (doubled for regsub).
        if (std.ban("obj.http.Cache-Tags ~ "
                + regsuball(req.http.X-Cache-Tags-Ban, " ", "\\x20"))) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
    }
    # Forms, and anything else that changes state, go to the app.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff (session), readers with their own held comments or remembered name: their pages
    # are theirs alone. The admin and draft previews are never for the public.
    if (req.http.Authorization
        || req.http.Cookie ~ "(^|;\s*)(sessionid|comments_pending|comments_own|comments_author)="
        || req.url ~ "^/(admin|preview)/") {
        return (pass);
    }
    # Any other cookie (csrftoken, analytics) does not change the page: share it.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Keep only what the app marked as the same for everyone. Remember the rest as
    # uncacheable for a while (hit-for-miss), so requests for it are not queued behind
    # each other waiting for a shareable answer.
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || beresp.http.Cache-Control !~ "(public|s-maxage)") {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The TTL comes from s-maxage, and grace from stale-while-revalidate: Varnish reads both.
    # A banned page is gone at once, grace or not.
    return (deliver);
}

sub vcl_deliver {
    # Cache-Tags are for bans, not for readers.
    unset resp.http.Cache-Tags;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
