"""dshell's own part of HTTP: sockets, TLS, a pool of kept-alive connections per daemon."""
