/*
 * spawn_sites.c - two children started without fork(): one by posix_spawn, one by
 * system(), from two lines.
 *
 * In glibc >= 2.34 both go through clone3(CLONE_VM|CLONE_VFORK), whose stack strace
 * -k cannot unwind past glibc's clone3 code. Precise mode must still name each line.
 * The spawned child is never reaped (a zombie until main exits); system() reaps its
 * own.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

static pid_t start_helper(void)
{
    pid_t pid;
    char *argv[] = { "true", NULL };
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)   /* spawn site: helper */
        return -1;
    return pid;
}

static int run_command(void)
{
    return system("/bin/true; exit 0");   /* spawn site: command */
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t helper = start_helper();
    usleep(100 * 1000);
    int status = run_command();
    printf("helper %d, command status %d\n", (int)helper, status);
    usleep(200 * 1000);   /* BUG (on purpose): the helper is never reaped */
    return 0;
}
