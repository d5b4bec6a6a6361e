/*
 * zombie_server.c - fork-per-connection echo server that never reaps.
 *
 * Lesson: a child that exits stays a zombie (state Z in /proc/PID/stat)
 * until its parent calls wait/waitpid. This server installs no SIGCHLD
 * handler and never waits, so every finished connection leaves a zombie
 * behind for as long as the server runs.
 *
 * Usage: zombie_server [PORT]    (PORT 0 or absent = ephemeral)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Copy bytes back to the client until it closes its side (EOF). */
static void echo_until_eof(int fd)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w <= 0)
                return;
            off += w;
        }
}

int main(int argc, char **argv)
{
    /* Line-buffered so a pipe reader sees "listening on ..." at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    char *end = NULL;
    long port = argc > 1 ? strtol(argv[1], &end, 10) : 0;
    if (argc > 2 || (end && (end == argv[1] || *end)) || port < 0 || port > 65535) {
        fprintf(stderr, "usage: %s [PORT]   (0 or absent = any free port)\n", argv[0]);
        return 2;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* loopback only */
    addr.sin_port = htons((unsigned short)port);

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) {
        perror("socket");
        return 1;
    }
    int one = 1;  /* a fixed PORT can be reused right after a restart */
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(lfd, 64) < 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &len); /* the real port if 0 */
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));

    for (;;) {
        int conn = accept(lfd, NULL, NULL);
        if (conn < 0) {
            perror("accept");
            continue;
        }
        pid_t pid = fork();                      /* one child per connection */
        if (pid == 0) {
            close(lfd);         /* the child only talks to its own client */
            echo_until_eof(conn);
            _exit(0);           /* _exit: don't flush the parent's stdio copy */
        }
        if (pid < 0)
            perror("fork");
        close(conn);            /* parent: the child owns the connection now */
        /* BUG (on purpose): no wait anywhere, so the exited child is a zombie. */
    }
}
