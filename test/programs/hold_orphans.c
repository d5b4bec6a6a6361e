/*
 * hold_orphans.c - run a command under a subreaper that never reaps the
 * orphans it adopts, like a container's pid 1 that is not an init.
 *
 * Usage: [HOLD_ORPHANS_REAP_AFTER=SECONDS] hold_orphans COMMAND [ARGS...]
 * It becomes a child subreaper (PR_SET_CHILD_SUBREAPER), runs COMMAND as its
 * child and waits for that child only. Orphans of COMMAND's tree are adopted
 * by it and stay zombies (if SECONDS is given, each for SECONDS after it was
 * first seen a zombie: then it is reaped, like an init that reaps late; timed
 * from the zombie, not from the start, so a slow start on a loaded machine
 * cannot make it reap at once). Once COMMAND has exited it prints
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

#define MAX_HELD 64

/* The zombies this process holds as their adopter (its own child excepted), up to max. */
static int adopted_zombies(pid_t child, pid_t *out, int max)
{
    int n = 0;
    DIR *proc = opendir("/proc");
    struct dirent *e;
    while (proc && (e = readdir(proc)) != NULL && n < max) {
        char path[300], state;
        int pid, ppid;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        /* pid (comm) state ppid: comm has no ')' in the programs this runs */
        if (fscanf(f, "%d %*[^)]) %c %d", &pid, &state, &ppid) == 3 && state == 'Z' && ppid == getpid() && pid != child)
            out[n++] = pid;
        fclose(f);
    }
    if (proc)
        closedir(proc);
    return n;
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
    double reap_after = after ? atof(after) : -1;
    pid_t held[MAX_HELD];
    double seen[MAX_HELD];
    int nheld = 0, st = 0;
    for (;;) {
        if (waitpid(child, &st, WNOHANG) == child)  /* its own child */
            break;
        if (reap_after >= 0) {
            pid_t z[MAX_HELD];
            int nz = adopted_zombies(child, z, MAX_HELD);
            for (int i = 0; i < nz; i++) {
                int known = 0;
                for (int j = 0; j < nheld; j++)
                    known |= held[j] == z[i];
                if (!known && nheld < MAX_HELD) {
                    held[nheld] = z[i];
                    seen[nheld++] = now();
                }
            }
            for (int j = 0; j < nheld; j++)
                if (held[j] > 0 && now() - seen[j] >= reap_after && waitpid(held[j], NULL, WNOHANG) == held[j])
                    held[j] = -1;  /* reaped; the slot is not reused */
        }
        usleep(10 * 1000);
    }
    pid_t z[MAX_HELD];
    int nz = adopted_zombies(child, z, MAX_HELD);
    for (int i = 0; i < nz; i++)
        fprintf(stderr, "holding zombie %d\n", z[i]);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
