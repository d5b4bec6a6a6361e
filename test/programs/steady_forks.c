/*
 * steady_forks.c - forks N children (argv[1], default 500), one every 2 ms; each child
 * waits in pause(). Prints "forked N" once all are forked, then waits for SIGUSR1:
 * it then kills every child (SIGTERM), reaps each with waitpid and exits 0.
 *
 * Point: an attach while it forks. A child forked between forktrace's look at /proc
 * and strace's attach to its parent is one strace never follows: the picture must
 * still show it (untraced), and its reaping must settle its exit from the wait status.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 500;
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t *pids = calloc(n > 0 ? n : 1, sizeof *pids);
    struct timespec gap = {0, 2 * 1000 * 1000};
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            for (;;)
                pause();
        }
        nanosleep(&gap, NULL);
    }
    printf("forked %d\n", n);
    while (!stop)
        pause();
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    int reaped = 0, status;
    for (int i = 0; i < n; i++)
        if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i])
            reaped++;
    printf("reaped %d\n", reaped);
    return 0;
}
