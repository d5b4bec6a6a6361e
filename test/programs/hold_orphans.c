/*
 * hold_orphans.c - run a command under a subreaper that never reaps the
 * orphans it adopts, like a container's pid 1 that is not an init.
 *
 * Usage: hold_orphans COMMAND [ARGS...]
 * It becomes a child subreaper (PR_SET_CHILD_SUBREAPER), runs COMMAND as its
 * child and waits for that child only. Orphans of COMMAND's tree are adopted
 * by it and stay zombies. Once COMMAND has exited it prints "holding zombie
 * PID" to stderr for each, then exits with COMMAND's status (init reaps them).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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
    int st;
    if (waitpid(child, &st, 0) != child)           /* only its own child */
        return 2;
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
