/*
 * fork_until_eagain.c - forks children that block in pause() until fork()
 * fails (EAGAIN) or a hard cap of 200 children is reached, whichever is first.
 *
 * Safe on a shared machine: root is exempt from RLIMIT_NPROC, so when run as
 * root it first sets RLIMIT_NPROC to what user nobody (65534) runs now plus
 * EXTRA (default 20), then becomes nobody: fork fails with EAGAIN after about
 * EXTRA processes, long before the machine's limits. As another user it only
 * lowers its own RLIMIT_NPROC the same way.
 *
 * Then it prints "fork failed after N children: <error>" (or "cap reached
 * after N children") and, without "hold", SIGKILLs and reaps every child and
 * exits 0 if fork failed with EAGAIN (3 otherwise). With "hold" it keeps its
 * children and waits in pause() to be killed.
 *
 * Usage: fork_until_eagain [EXTRA] [hold]
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP 200
#define NOBODY 65534

/* Tasks (threads included: the kernel counts tasks) whose real uid is `uid`. */
static long tasks_of(uid_t uid)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    long total = 0;
    if (!proc)
        return 0;
    while ((e = readdir(proc)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long ruid = -1, threads = 1;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "Uid:", 4) == 0)
                ruid = strtol(line + 4, NULL, 10);
            else if (strncmp(line, "Threads:", 8) == 0)
                threads = strtol(line + 8, NULL, 10);
        }
        fclose(f);
        if (ruid == (long)uid)
            total += threads;
    }
    closedir(proc);
    return total;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long extra = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
    int hold = argc > 2 && strcmp(argv[2], "hold") == 0;
    if (extra < 2 || extra > CAP)
        extra = 20;

    uid_t uid = getuid() == 0 ? NOBODY : getuid();
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)(tasks_of(uid) + extra);
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
        perror("setrlimit RLIMIT_NPROC");
        return 2;
    }
    if (getuid() == 0) {
        /* Root ignores RLIMIT_NPROC: become nobody, which does not. */
        if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0) {
            perror("become nobody");
            return 2;
        }
    }
    printf("uid %d, RLIMIT_NPROC %ld\n", (int)getuid(), (long)rl.rlim_cur);

    pid_t children[CAP];
    int n = 0, err = 0;
    while (n < CAP) {
        pid_t pid = fork();                      /* until it fails */
        if (pid == 0) {
            pause();
            _exit(0);
        }
        if (pid < 0) {
            err = errno;
            break;
        }
        children[n++] = pid;
    }
    if (err)
        printf("fork failed after %d children: %s\n", n, strerror(err));
    else
        printf("cap reached after %d children\n", n);
    if (hold)
        for (;;)
            pause();
    for (int i = 0; i < n; i++)
        kill(children[i], SIGKILL);
    int reaped = 0;
    for (int i = 0; i < n; i++)
        if (waitpid(children[i], NULL, 0) == children[i])
            reaped++;
    printf("reaped %d children\n", reaped);
    return err == EAGAIN ? 0 : 3;
}
