vcl 4.1;

# Pressroom's cache in front of the site read API (`GET /{env}/articles/{slug}`, `/{env}/`, `/{env}/sitemap.xml`).
#
# Objects live until purged (the API sends `s-maxage` of a year): a release purges exactly what it
# changed, by surrogate key (`PURGE` with `xkey-purge: k1 k2 …`) or by URL (`PURGE /path`). Nothing
# here purges everything. The backend and who may purge come from pressroom-backend.vcl, found on
# vcl_path, so the same file runs under a test, on a host and in docker-compose. Both files must be
# readable by the varnish user: varnishd compiles VCL unprivileged when it starts as root.

import xkey;
import purge;

include "pressroom-backend.vcl";

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "PURGE is not allowed from this address"));
        }
        if (req.http.xkey-purge) {
            # Hard purge: the next request fetches the new release, never a stale object in grace.
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged"));
        }
        # By URL: looked up like a GET, then purge.hard() drops every variant (HTML and JSON) of it.
        return (hash);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url !~ "^/(staging|production)/") {
        # Only the site is cached; /health, /metrics and the worker's API always reach the backend.
        return (pass);
    }
    # Two representations per route: HTML for browsers, JSON otherwise. Normalised, so Vary: Accept
    # keeps two variants instead of one per browser's Accept string.
    if (req.http.Accept ~ "text/html") {
        set req.http.Accept = "text/html";
    } else {
        unset req.http.Accept;
    }
    # The site sets no cookies; a visitor's cookie must not turn every request into a pass.
    unset req.http.Cookie;
    if (req.http.Authorization) {
        return (pass);
    }
    return (hash);
}

sub vcl_hash {
    # The URL alone: a purge sent to the cache's own address must hit what visitors fetched under the
    # public host name. This cache fronts one site.
    hash_data(req.url);
    return (lookup);
}

sub vcl_hit {
    if (req.method == "PURGE") {
        set req.http.x-purged = purge.hard();
        return (synth(200, "Purged"));
    }
}

sub vcl_miss {
    if (req.method == "PURGE") {
        set req.http.x-purged = purge.hard();
        return (synth(200, "Purged"));
    }
}

sub vcl_backend_response {
    # xkey indexes objects by the `xkey` header; the API names its keys in the standard Surrogate-Key.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    if (bereq.url ~ "^/(staging|production)/") {
        if (beresp.status != 200) {
            # A 404 (no release yet) or an error carries no reliable keys: keeping it would outlive the
            # release that fixes it. Not cached, and no hit-for-miss either.
            set beresp.ttl = 0s;
            set beresp.uncacheable = true;
            return (deliver);
        }
        # The representation depends on Accept even if the backend forgot to say so.
        if (!beresp.http.Vary) {
            set beresp.http.Vary = "Accept";
        } elsif (beresp.http.Vary !~ "(?i)(^|,)\s*accept\s*(,|$)") {
            set beresp.http.Vary = beresp.http.Vary + ", Accept";
        }
    }
    # Varnish's own TTL already prefers s-maxage over max-age; the built-in rules refuse private,
    # no-store and Set-Cookie responses.
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    unset resp.http.xkey;
}

sub vcl_synth {
    if (req.method == "PURGE" && resp.status == 200) {
        # The count of objects dropped, for the purger's report and for tests.
        set resp.http.X-Purged = req.http.x-purged;
        set resp.http.Content-Type = "application/json";
        set resp.body = {"{"purged":"} + req.http.x-purged + {"}"};
        return (deliver);
    }
}
