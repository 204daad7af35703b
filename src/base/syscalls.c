/*
 * syscalls.c: the allow-list of system calls of a running `robinet
 * serve` (see syscalls.h). The list was found by running the HTTP and
 * mail suites against a server under strace -f, and covers what the
 * server does once started: HTTP (sockets, epoll, threads), SQLite
 * (files, locks, the WAL's shared memory), libpq, libcurl (SMTP, DNS, TLS),
 * cairo/pango (fonts), the mail and attachment folders, and the stop.
 * Not in it: starting programs (execve), ptrace, mount, module and
 * key-ring calls, changing ids or the root, raw sockets' friends, bpf,
 * perf, io_uring, personality... everything an intruder wants first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <seccomp.h>

#include "base/syscalls.h"

static const char *const allowed[] = {
	/* memory, threads, signals, time */
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore",
	"clone", "clone3", "set_robust_list", "get_robust_list", "rseq",
	"futex", "futex_waitv", "exit", "exit_group", "gettid", "getpid",
	"getppid", "tgkill", "tkill", "sched_yield", "sched_getaffinity",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"sigaltstack", "restart_syscall", "nanosleep", "clock_nanosleep",
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"getrandom", "prlimit64", "getrlimit", "sysinfo", "uname",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "membarrier", "prctl",
	"setpriority",	/* slow workers lower their own priority */
	/* files (SQLite, templates, fonts, mail and attachment folders) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv",
	"pwritev", "lseek", "close", "openat", "open", "creat", "fstat",
	"newfstatat", "stat", "lstat", "statx", "statfs", "fstatfs",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getcwd", "getdents64", "fcntl", "flock", "fsync", "fdatasync",
	"ftruncate", "fallocate", "fadvise64", "unlink", "unlinkat",
	"rename", "renameat", "renameat2", "link", "linkat", "mkdir", "mkdirat", "rmdir",
	"fchmod", "fchown", "umask", "utimensat", "dup", "dup2", "dup3",
	"pipe", "pipe2", "eventfd2", "ioctl",
	/* network (HTTP, the gate's socketpairs, SMTP, DNS, and PostgreSQL
	   through libpq: TCP or Unix socket, SO_PEERCRED, poll, connecting
	   again after a restart or a failover; tests/pg/test_pg_ops.py) */
	"socket", "socketpair", "bind", "listen", "accept", "accept4",
	"connect", "getsockname", "getpeername", "setsockopt",
	"getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "sendfile", "shutdown", "poll", "ppoll", "select",
	"pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2",
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's leak check at exit stops the threads with
	   ptrace from a helper: allowed in sanitizer builds only. */
	"ptrace", "wait4", "waitid", "process_vm_readv", "getdents",
#endif
	NULL
};

int
rb_syscalls_restrict(enum rb_syscalls_mode mode, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int i, nr, rc;

	ctx = seccomp_init(mode == RB_SYSCALLS_LOG ? SCMP_ACT_LOG :
	    SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp: cannot create the filter");
		return -1;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0) {
		snprintf(err, errlen, "seccomp: cannot apply it to every "
		    "thread: %s", strerror(-rc));
		goto fail;
	}
	for (i = 0; allowed[i] != NULL; i++) {
		if ((nr = seccomp_syscall_resolve_name(allowed[i])) ==
		    __NR_SCMP_ERROR)
			continue;	/* not on this architecture */
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) != 0) {
			snprintf(err, errlen, "seccomp: cannot allow %s: %s",
			    allowed[i], strerror(-rc));
			goto fail;
		}
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "seccomp: cannot load the filter: %s",
		    strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
