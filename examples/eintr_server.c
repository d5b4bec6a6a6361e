/*
 * eintr_server.c - reaps correctly, but the handler lacks SA_RESTART.
 *
 * Lesson: when a signal handler runs while the process is blocked in a slow
 * system call such as accept(), the kernel restarts the call only if the
 * handler was installed with SA_RESTART. Without it accept() fails with
 * EINTR ("Interrupted system call", errno 4). strace shows
 *   accept(...) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
 *   --- SIGCHLD ... ---
 *   rt_sigreturn(...) = -1 EINTR (Interrupted system call)
 * A server that treats every accept() error as fatal dies after the first
 * finished connection; this one prints the error and retries.
 *
 * Usage: eintr_server [PORT]    (PORT 0 or absent = ephemeral)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_sigchld(int sig)
{
    int saved_errno = errno;    /* waitpid may clobber errno seen by main */
    int st;
    (void)sig;
    while (waitpid(-1, &st, WNOHANG) > 0)        /* reap every exited child */
        ;
    errno = saved_errno;
}

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

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;            /* BUG (on purpose): no SA_RESTART */
    sigaction(SIGCHLD, &sa, NULL);               /* install the SIGCHLD handler */

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
            perror("accept");   /* "accept: Interrupted system call" */
            continue;           /* retry: EINTR is not a real failure */
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
    }
}
