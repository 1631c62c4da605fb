# The read API behind the cache, and who may purge. The default for a cache on the worker's own host;
# docker-compose mounts docker/varnish-backend.vcl instead, and the tests write their own on vcl_path.

backend api {
    .host = "127.0.0.1";
    .port = "8080";
}

acl purgers {
    "127.0.0.1";
    "::1";
}
