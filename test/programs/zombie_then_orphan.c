/*
 * zombie_then_orphan.c - a zombie whose parent dies is reaped by the adopter.
 *
 * main forks C; C forks G; G exits at once but C never waits, so G is a
 * zombie. When C exits 200 ms later, the zombie G is reparented to pid 1
 * (or to the nearest subreaper) and that adopter reaps it - outside the
 * trace. main reaps C.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t c = fork();                              /* C */
    if (c == 0) {
        pid_t g = fork();                          /* G */
        if (g == 0)
            _exit(0);           /* G exits at once: a zombie of C */
        printf("C %d forked G %d and will not wait for it\n", (int)getpid(), (int)g);
        usleep(200 * 1000);     /* BUG (on purpose): no waitpid(g) */
        _exit(0);               /* the zombie G is now reparented */
    }
    int st;
    waitpid(c, &st, 0);                            /* reap C */
    printf("main %d reaped C %d\n", (int)getpid(), (int)c);
    return 0;
}
