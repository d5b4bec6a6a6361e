/*
 * waitid_nowait.c - waitid(WNOWAIT) peeks at an exited child without reaping.
 *
 * After waitid(..., WEXITED|WNOWAIT) returns, the child is still a zombie
 * (state Z in /proc/PID/stat); only the later waitpid reaps it.
 * The child exits 4.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* The state letter of /proc/PID/stat, or '?' if the pid is gone. */
static char proc_state(pid_t pid)
{
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
            state = '?';
        fclose(f);
    }
    return state;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid = fork();                            /* the child */
    if (pid == 0)
        _exit(4);

    siginfo_t info;
    waitid(P_PID, pid, &info, WEXITED | WNOWAIT);  /* peek: does not reap */
    printf("waitid: pid %d status %d, state now %c\n", (int)info.si_pid,
           info.si_status, proc_state(pid));
    usleep(100 * 1000);
    int st;
    waitpid(pid, &st, 0);                          /* reaps */
    printf("waitpid: reaped %d status %d, state now %c\n", (int)pid,
           WEXITSTATUS(st), proc_state(pid));
    return 0;
}
