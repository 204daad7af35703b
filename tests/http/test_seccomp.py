"""serve restricts its system calls with seccomp (docs/deploy.md): on by
default in every thread, off or in log mode by the setting seccomp. The
unit test tests/unit/base/test_syscalls.c shows a forbidden call killing
the process; this whole suite runs with the filter on."""
import os

from harness import run_cli, test


def seccomp_of(pid):
    """The Seccomp mode of each thread of pid (2: a filter)."""
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, t)) as f:
            for line in f:
                if line.startswith("Seccomp:"):
                    out.append(int(line.split()[1]))
    return out


@test
def serve_runs_under_its_seccomp_filter_in_every_thread(s):
    modes = seccomp_of(s.proc.pid)
    assert len(modes) > 1 and set(modes) == {2}, modes
    assert "seccomp: system calls restricted (kill)" in s.stderr()


@test(env={"ROBINET_SECCOMP": "off"})
def seccomp_off_serves_without_a_filter(s):
    assert set(seccomp_of(s.proc.pid)) == {0}
    assert "seccomp is off" in s.stderr()
    assert s.request("GET", "/")[0] == 200


@test(env={"ROBINET_SECCOMP": "log"})
def seccomp_log_mode_filters_and_serves(s):
    assert set(seccomp_of(s.proc.pid)) == {2}
    assert s.request("GET", "/")[0] == 200


@test
def seccomp_setting_is_checked(s):
    rc, out, err = run_cli("config", "check", env={"ROBINET_SECCOMP": "non"})
    assert rc == 2 and "seccomp" in err and "expected kill, log or off" in err, (rc, err)
