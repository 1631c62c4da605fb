# docker-compose's backend and purge ACL for src/release/varnish/pressroom.vcl (mounted beside it as
# /etc/varnish/pressroom-backend.vcl). Varnish resolves `worker` once, when it loads the VCL: it must
# resolve to one address, so a scaled-out worker needs a load balancer (or vmod_dynamic) in front.

backend api {
    .host = "worker";
    .port = "8080";
}

# Workers purge from the compose network, which Docker numbers from the private ranges.
acl purgers {
    "127.0.0.1";
    "::1";
    "10.0.0.0"/8;
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}
