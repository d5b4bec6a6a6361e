/*
 * posix_spawn.c - the two fork-less ways to start a child.
 *
 * posix_spawn in glibc >= 2.34 calls clone3(CLONE_VM|CLONE_VFORK) (older:
 * clone); vfork() shares memory and suspends the parent until the child
 * execs or exits. Both children are processes with this pid as parent and
 * both are reaped: /bin/true exits 0, the vfork child _exit(6)s.
 */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid;
    char *argv[] = { "true", NULL };
    int err = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);   /* spawn */
    if (err != 0) {
        printf("posix_spawn failed: %d\n", err);
        return 1;
    }
    int st;
    waitpid(pid, &st, 0);                          /* reap the spawned child */
    printf("spawned %d exited %d\n", (int)pid, WEXITSTATUS(st));

    pid_t v = vfork();                             /* vfork child */
    if (v == 0)
        _exit(6);               /* only _exit or exec is allowed after vfork */
    waitpid(v, &st, 0);                            /* reap the vfork child */
    printf("vforked %d exited %d\n", (int)v, WEXITSTATUS(st));
    return 0;
}
