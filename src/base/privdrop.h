/*
 * privdrop.h: a process started as root becomes an ordinary account
 * for good (`robinet serve`, setting run_as_user), and proves it.
 */
#ifndef RB_BASE_PRIVDROP_H
#define RB_BASE_PRIVDROP_H

#include <stddef.h>

/*
 * Switches the whole process (every thread) to user: supplementary
 * groups reduced to the user's primary group, then real, effective and
 * saved group and user ids set to the user's. Then checks the result:
 * getresuid()/getresgid() and getgroups() of the calling thread, the
 * Uid/Gid lines of every thread in /proc/self/task, and that root
 * cannot be taken back. user must exist and must not be root (uid 0).
 * The process must run as root, unless it already runs as user (then
 * nothing changes). Returns 0, or -1 with an English line in err: the
 * caller must then exit, the process being possibly half switched.
 */
int	rb_privdrop(const char *user, char *err, size_t errlen);

#endif
