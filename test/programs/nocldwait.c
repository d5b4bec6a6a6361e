/*
 * nocldwait.c - a SIGCHLD handler installed with SA_NOCLDWAIT.
 *
 * SA_NOCLDWAIT makes the kernel reap children at once (no zombies) even
 * though a handler is installed; on Linux the handler still runs for each
 * SIGCHLD. A final wait() fails with ECHILD: nothing left to reap.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sigchld_count;

static void on_sigchld(int sig)
{
    (void)sig;
    sigchld_count++;            /* no wait here: the kernel already reaped */
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDWAIT | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);                 /* auto-reap, keep handler */

    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();                        /* three children */
        if (pid == 0) {
            /* Each exits during the sleep below; poll, not a second nanosleep call site. */
            poll(NULL, 0, 20 * (i + 1));
            _exit(i);
        }
        printf("forked %d\n", (int)pid);
    }
    /* Sleep 300 ms in total: SIGCHLD interrupts nanosleep, so resume it. */
    struct timespec left = { 0, 300 * 1000 * 1000 };
    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
    pid_t r = wait(NULL);       /* -1 ECHILD: nothing left to reap */
    printf("handler ran %d times; wait returned %d (%s)\n", (int)sigchld_count,
           (int)r, r < 0 ? strerror(errno) : "?");
    return 0;
}
