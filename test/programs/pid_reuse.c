/*
 * pid_reuse.c - two different processes with the same pid (needs root).
 *
 * main forks A and reaps it; then writes A-1 to /proc/sys/kernel/ns_last_pid
 * (the trick CRIU uses to restore pids) so the next fork gets pid A again:
 * B. A tool must treat B as a NEW process, not as A come back to life.
 * Another fork on the machine can steal the pid between the write and our
 * fork, so a few attempts are made. Exit 0 if B's pid == A's pid, else 3.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int set_last_pid(pid_t last)
{
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%d", (int)last);
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd < 0)
        return -1;
    int ok = write(fd, buf, len) == len;
    int saved = errno;
    close(fd);
    errno = saved;
    return ok ? 0 : -1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int st;
    pid_t a = fork();                              /* A */
    if (a == 0)
        _exit(0);
    waitpid(a, &st, 0);                            /* reap A: its pid is free */
    printf("A %d reaped\n", (int)a);

    for (int attempt = 1; attempt <= 5; attempt++) {
        if (set_last_pid(a - 1) < 0) {
            printf("cannot write /proc/sys/kernel/ns_last_pid: %s "
                   "(needs root / CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)\n",
                   strerror(errno));
            return 3;
        }
        pid_t b = fork();                          /* B, hopefully pid A */
        if (b == 0)
            _exit(1);
        waitpid(b, &st, 0);                        /* reap B */
        printf("B %d reaped (attempt %d)\n", (int)b, attempt);
        if (b == a) {
            printf("same pid %d: two processes\n", (int)a);
            return 0;
        }
    }
    printf("B never got pid %d: another process took it each time\n", (int)a);
    return 3;
}
