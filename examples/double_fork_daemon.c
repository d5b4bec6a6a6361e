/*
 * double_fork_daemon.c - the classic double fork that detaches a daemon.
 *
 * Lesson: the parent forks a child and waits for it; the child starts a new
 * session (setsid: no controlling terminal), forks the real daemon (the
 * grandchild) and exits at once. The grandchild is now an orphan on purpose:
 * the kernel reparents it to the nearest subreaper or to pid 1, and that
 * adopter - not our program - reaps it when it exits. The parent never
 * becomes the grandchild's parent, so it can neither wait for it nor leave
 * it as a zombie.
 *
 * Usage: double_fork_daemon [SECONDS]   (daemon lifetime, default 2,
 *                                        fractions allowed, e.g. 0.2)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    /* Line-buffered: three processes share this stdout, keep lines whole. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    double seconds = argc > 1 ? strtod(argv[1], NULL) : 2.0;
    if (seconds < 0)
        seconds = 0;
    printf("parent pid %d\n", (int)getpid());

    pid_t child = fork();                        /* first fork: the child */
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        setsid();               /* new session: detach from the terminal */
        pid_t daemon_pid = fork();               /* second fork: the daemon */
        if (daemon_pid < 0) {
            perror("fork");
            _exit(1);
        }
        if (daemon_pid == 0) {
            printf("daemon pid %d parent %d\n", (int)getpid(), (int)getppid());
            usleep((useconds_t)(seconds * 1e6));
            /* The child is long gone: getppid() names whoever adopted us. */
            printf("daemon pid %d adopted by %d, exiting\n", (int)getpid(),
                   (int)getppid());
            _exit(0);
        }
        printf("child pid %d forked daemon %d\n", (int)getpid(), (int)daemon_pid);
        _exit(0);               /* orphan the daemon on purpose */
    }

    int st;
    waitpid(child, &st, 0);                      /* reap the child, not the daemon */
    printf("parent reaped child %d, exiting\n", (int)child);
    return 0;
}
