/*
 * hold_orphans.c - run a command under a subreaper that never reaps the
 * orphans it adopts, like a container's pid 1 that is not an init.
 *
 * Usage: [HOLD_ORPHANS_REAP_AFTER=SECONDS] hold_orphans COMMAND [ARGS...]
 * It becomes a child subreaper (PR_SET_CHILD_SUBREAPER), runs COMMAND as its
 * child and waits for that child only. Orphans of COMMAND's tree are adopted
 * by it and stay zombies (until SECONDS have passed, if given: then it reaps
 * them, like an init that reaps late). Once COMMAND has exited it prints
 * "holding zombie PID" to stderr for each zombie it still holds, then exits
 * with COMMAND's status (init reaps them).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hold_orphans COMMAND [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("prctl");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        perror("execvp");
        _exit(127);
    }
    const char *after = getenv("HOLD_ORPHANS_REAP_AFTER");
    double reap_after = after ? atof(after) : -1, start = now();
    int st = 0, done = 0;
    while (!done) {
        if (waitpid(child, &st, WNOHANG) == child)  /* its own child */
            break;
        if (reap_after >= 0 && now() - start >= reap_after) {
            int other;
            pid_t z;
            while ((z = waitpid(-1, &other, WNOHANG)) > 0)
                if (z == child) {
                    st = other;
                    done = 1;
                }
        }
        if (!done)
            usleep(10 * 1000);
    }
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL) {
        char path[300], state;
        int pid, ppid;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        /* pid (comm) state ppid: comm has no ')' in the programs this runs */
        if (fscanf(f, "%d %*[^)]) %c %d", &pid, &state, &ppid) == 3 && state == 'Z' && ppid == getpid())
            fprintf(stderr, "holding zombie %d\n", pid);
        fclose(f);
    }
    if (proc)
        closedir(proc);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
