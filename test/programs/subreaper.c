/*
 * subreaper.c - a child subreaper adopts its orphaned grandchild.
 *
 * main sets PR_SET_CHILD_SUBREAPER, forks A; A forks B and exits at once.
 * B becomes an orphan and is reparented to main (the nearest subreaper),
 * not to pid 1: B's getppid() after 200 ms returns main's pid. main reaps
 * A (exit 0), then B (exit 5), although main never forked B.
 */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    prctl(PR_SET_CHILD_SUBREAPER, 1);              /* adopt orphaned descendants */
    printf("main %d\n", (int)getpid());

    pid_t a = fork();                              /* A */
    if (a == 0) {
        pid_t b = fork();                          /* B */
        if (b == 0) {
            usleep(200 * 1000);
            printf("B %d: adopted by %d\n", (int)getpid(), (int)getppid());
            _exit(5);
        }
        _exit(0);               /* A leaves B behind */
    }
    int st;
    waitpid(a, &st, 0);                            /* reap A */
    printf("main reaped A %d status %d\n", (int)a, WEXITSTATUS(st));
    pid_t b = waitpid(-1, &st, 0);                 /* reap the adopted B */
    printf("main reaped B %d status %d\n", (int)b, WEXITSTATUS(st));
    return 0;
}
