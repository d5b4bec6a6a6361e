/*
 * sigchld_ignore.c - SIGCHLD set to SIG_IGN: the kernel auto-reaps.
 *
 * POSIX: if SIGCHLD is ignored, children that exit are not turned into
 * zombies; nobody calls wait and none is left. A final wait() proves it:
 * it fails with ECHILD because there is no child left to wait for.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGCHLD, SIG_IGN);                      /* children are auto-reaped */
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();                        /* three children */
        if (pid == 0)
            _exit(i);
        printf("forked %d\n", (int)pid);
    }
    usleep(300 * 1000);
    pid_t r = wait(NULL);       /* -1 ECHILD: nothing left to reap */
    printf("wait returned %d (%s)\n", (int)r, r < 0 ? strerror(errno) : "?");
    return 0;
}
