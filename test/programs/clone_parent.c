/*
 * clone_parent.c - CLONE_PARENT makes a sibling, not a child.
 *
 * main forks C; C calls clone(CLONE_PARENT|SIGCHLD) to start G. G's parent
 * is main (C's parent), so main - not C - receives G's SIGCHLD and reaps
 * it. C exits 0 right after the clone; G sleeps 50 ms and exits 3.
 * main reaps both with waitpid(-1).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int grandchild(void *arg)
{
    (void)arg;
    printf("G %d: parent is %d\n", (int)getpid(), (int)getppid());
    usleep(50 * 1000);
    return 3;                   /* glibc's clone turns this into exit(3) */
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("main %d\n", (int)getpid());
    pid_t c = fork();                              /* C, a normal child */
    if (c == 0) {
        static char stack[64 * 1024];
        pid_t g = clone(grandchild, stack + sizeof stack,
                        CLONE_PARENT | SIGCHLD, NULL);   /* G, main's child */
        printf("C %d: cloned G %d\n", (int)getpid(), (int)g);
        _exit(g > 0 ? 0 : 1);
    }
    for (int i = 0; i < 2; i++) {
        int st;
        pid_t p = waitpid(-1, &st, 0);             /* reaps C and G */
        printf("main reaped %d status %d\n", (int)p, WEXITSTATUS(st));
    }
    return 0;
}
