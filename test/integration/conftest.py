"""pytest fixtures for the ftpd integration tests (see ftpdtest.py for the machinery).

Fixtures:
  ftpenv   a fresh FtpEnv (temporary tree, accounts, PAM/NSS wrapper set-up); at the
           end the test fails if any of its ftpd processes outlived the sessions.
  server   an inetd-style server started in ftpenv with the default configuration.
  client   a raw FtpClient connected to server (greeting already read).
  alice    a raw FtpClient logged in as alice.
  xinetd_server, daemon_server
           the same server under the real xinetd, or as `ftpd -D` on 127.0.0.1.
  syslog   the session-wide syslog capture (tests needing it skip when inactive).

Knobs (environment): FTPD (binary), KEEP_TMP=1 (keep temporary trees),
TEST_TIMEOUT (seconds per test, default 90 times SLOW), FTPD_WRAPPER (a command
every server runs under, e.g. valgrind: see ftpdtest.py), FTPD_TIMEOUT_FACTOR
(SLOW: what every timeout is multiplied by; default 1, or 4 with a wrapper).
"""

import os
import signal

import pytest

import ftpdtest

TEST_TIMEOUT = int(os.environ.get("TEST_TIMEOUT") or 90 * ftpdtest.SLOW)


def pytest_report_header(config):
    return "ftpd under test: %s%s%s" % (
        ftpdtest.FTPD, " (sanitized)" if ftpdtest.is_sanitized(ftpdtest.FTPD) else "",
        " under %s" % ftpdtest.WRAPPER[0] if ftpdtest.WRAPPER else "")


def pytest_collection_modifyitems(config, items):
    if os.geteuid() != 0:
        skip = pytest.mark.skip(
            reason="SKIPPED: the integration tests must run as root (the server starts as "
                   "root and changes uid); run make check as root")
        for item in items:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    env = getattr(item, "_ftpenv", None)
    if rep.failed and env is not None and rep.when in ("setup", "call"):
        try:
            diag = env.diagnostics()
        except Exception as e:  # diagnostics must never hide the real failure
            diag = "cannot collect diagnostics: %r" % e
        if diag:
            rep.sections.append(("ftpd diagnostics", diag))
    if rep.failed:
        item._ftpd_failed = True


class _TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _time_limit():
    """Fail a test that runs longer than TEST_TIMEOUT instead of hanging the suite."""
    def on_alarm(signum, frame):
        raise _TestTimeout("test exceeded %d seconds" % TEST_TIMEOUT)
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def syslog():
    cap = ftpdtest.SyslogCapture().start()
    yield cap
    cap.stop()


@pytest.fixture(scope="session", autouse=True)
def _openbsd_inetd_unpacked():
    """openbsd-inetd is unpacked on first use (ftpdtest.openbsd_inetd_binary); removed at the end."""
    yield
    ftpdtest.openbsd_inetd_cleanup()


@pytest.fixture
def ftpenv(request, syslog):
    env = ftpdtest.FtpEnv(syslog=syslog)
    request.node._ftpenv = env
    yield env
    problems = env.cleanup()
    keep = os.environ.get("KEEP_TMP") == "1"
    if keep:
        print("kept test tree %s" % env.dir)
    else:
        env.remove()
    if problems:
        if getattr(request.node, "_ftpd_failed", False):
            print("\n".join(problems))     # the test failed already; just show them
        else:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def server(ftpenv):
    return ftpenv.inetd()


@pytest.fixture
def client(ftpenv, server):
    return ftpenv.connect(server)


@pytest.fixture
def alice(ftpenv, server):
    c = ftpenv.connect(server)
    c.login_ok("alice")
    return c


@pytest.fixture
def xinetd_server(ftpenv):
    return ftpenv.xinetd()


@pytest.fixture
def daemon_server(ftpenv):
    return ftpenv.daemon()
