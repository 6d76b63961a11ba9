#!/usr/bin/python3
"""Hostile scenarios, faults while running, and untrusted output files
(issue 6). Every case here is a row of docs/robustness.md; check_doc.py
keeps the two in step.

usage: test_faults.py CASCADE_BINARY TEST_DATA_DIR READ_RESULT [unittest args]

How the faults are made, here and in CI:
- an unwritable directory: as root (who ignores permission bits) the
  program runs as nobody through setpriv; otherwise the directory is
  chmod 0555. A read-only mount and a small file system need root and
  mount namespaces (unshare -m); those tests skip without them.
- a full disk: RLIMIT_FSIZE (with SIGXFSZ ignored, so write() fails with
  EFBIG as on a full disk) works anywhere; a 2 MB tmpfs is also tried.
- SIGKILL mid-write: kill -9 once the temporary file exists. The file at
  the requested path is untouched; the killed process's "<path>.tmp-PID"
  stays behind (nothing can delete it after SIGKILL) and is documented.
SIGINT and SIGTERM during `cascade run` (a valid file of the finished runs)
belong to engine/cli/run.c and are tested in tests/cli; here, merge and
export must delete their temporaries.
"""
import glob
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np

CASCADE = None
DATA = None
READ_RESULT = None

SMALL = """\
name: small
base_date: 2019-04
horizon_months: 26
seed: 5
marks:
  known: {label: known before}
stages:
  universal: {intervention: none}
  cin: {intervention: late}
  looked_after:
    intervention: late
    placements:
      foster: {entry_share: 0.7}
      residential: {entry_share: 0.3}
population:
  total: 18000
  remainder: universal
  stages:
    cin: {count: 900}
    looked_after:
      count: 180
      placements: {foster: 120, residential: 60}
births:
  per_year: 1000
transitions:
  referral: {from: universal, to: cin, rate: 0.05}
  closed: {from: cin, to: universal, rate: 1.5, sets: [known]}
  into_care: {from: cin, to: looked_after, rate: 0.08}
  home: {from: looked_after, to: universal, rate: 0.4, sets: [known]}
"""

# 50 years: the longest horizon a scenario may have.
LONG = SMALL.replace('horizon_months: 26', 'horizon_months: 600')

IS_ROOT = os.geteuid() == 0


def run(*args, cwd=None, timeout=120, preexec_fn=None, prefix=()):
    return subprocess.run([*prefix, CASCADE, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn)


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def first_line(text):
    lines = text.strip().splitlines()
    return lines[0] if lines else ''


def can_use_mount_namespace():
    if not IS_ROOT or not shutil.which('unshare'):
        return False
    probe = tempfile.mkdtemp()
    try:
        r = subprocess.run(['unshare', '-m', 'sh', '-c',
                            'mount -t tmpfs -o size=1m tmpfs "$0"', probe],
                           capture_output=True, timeout=30)
        return r.returncode == 0
    finally:
        os.rmdir(probe)


MOUNTS = None


def mounts_available():
    global MOUNTS
    if MOUNTS is None:
        MOUNTS = can_use_mount_namespace()
    return MOUNTS


def in_tmpfs(mount_dir, options, script, *args):
    """Run a sh script in a private mount namespace with a tmpfs on
    mount_dir (gone when the script ends). $1.. are args; $C is cascade."""
    wrapper = ('mount -t tmpfs -o "$MOUNT_OPTIONS" tmpfs "$MOUNT_DIR" '
               '|| exit 97\n' + script)
    env = dict(os.environ, MOUNT_DIR=mount_dir, MOUNT_OPTIONS=options,
               C=CASCADE)
    return subprocess.run(['unshare', '-m', 'sh', '-c', wrapper, 'sh',
                           *args], capture_output=True, text=True,
                          timeout=300, env=env)


def limit_file_size(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def limit_memory(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        os.chmod(self.dir, 0o755)  # so nobody (setpriv) can read in it
        self.small = self.write('small.yaml', SMALL)

    def tearDown(self):
        for root, dirs, _ in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        mode = 'wb' if isinstance(text, bytes) else 'w'
        with open(self.path(name), mode) as f:
            f.write(text)
        os.chmod(self.path(name), 0o644)
        return self.path(name)

    def leftovers(self):
        return glob.glob(os.path.join(self.dir, '*.tmp-*'))

    def good_output(self, name='out.h5', runs='3'):
        out = self.path(name)
        r = run('run', self.small, '-o', out, '-n', runs, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        return out


class HostileScenarios(Workdir):
    """Each hostile scenario: exit 2 from validate and run, exactly the
    message given, no output file, no hang (every call has a timeout)."""

    def assert_refused(self, scenario, message, timeout=60):
        """scenario is a path relative to self.dir (as the message shows
        it) or absolute."""
        v = run('validate', scenario, cwd=self.dir, timeout=timeout)
        self.assertEqual(v.returncode, 2, v.stderr)
        self.assertEqual(first_line(v.stderr), message)
        r = run('run', scenario, '-o', 'out.h5', '-n', '2', '-q',
                cwd=self.dir, timeout=timeout)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(first_line(r.stderr), message)
        self.assertFalse(os.path.exists(self.path('out.h5')))
        self.assertEqual(self.leftovers(), [])

    def test_deep_flow_nesting(self):
        self.write('deep.yaml', 'a: ' + '[' * 100000 + ']' * 100000 + '\n')
        self.assert_refused('deep.yaml', 'deep.yaml:1:67: expected at most '
                            '64 levels of nesting, found more')

    def test_deep_block_nesting(self):
        self.write('deep.yaml', '\n'.join('  ' * i + f'k{i}:'
                                          for i in range(1000)) + '\n')
        self.assert_refused('deep.yaml', 'deep.yaml:65:129: expected at '
                            'most 64 levels of nesting, found more')

    def test_huge_numbers(self):
        cases = [
            ('seed: 5', 'seed: 18446744073709551616',
             '4:7: seed: expected a whole number from 0 to '
             '18446744073709551615, found 18446744073709551616'),
            ('total: 18000', 'total: 1e300',
             '16:10: population.total: expected a whole number of children '
             'below 1000000000, found 1e300'),
            ('horizon_months: 26', 'horizon_months: ' + '9' * 30,
             '3:17: horizon_months: expected a whole number of months from '
             '1 to 600, found ' + '9' * 30),
            ('per_year: 1000\n', 'per_year: 1e308\n',
             '24:13: births.per_year: expected a number of births per year '
             'from 0 to 1000000000, or a list of them by financial year, '
             'found 1e308'),
            ('rate: 0.05}', 'rate: 1e300}',
             '26:46: transitions.referral.rate: expected a rate per year '
             '<= 1000, found 1e300'),
            ('rate: 0.05}', 'rate: 1' + '0' * 400 + '}',
             '26:46: transitions.referral.rate: expected a rate per year '
             '>= 0, found 1' + '0' * 59 + '...'),
            ('rate: 0.4, sets', 'rate: 1000, if_marked: {known: 1e308}, sets',
             '29:76: transitions.home.if_marked.known: expected a rate '
             'multiplier from 0 to 1000, found 1e308'),
        ]
        for old, new, where in cases:
            with self.subTest(new=new[:40]):
                self.assertIn(old, SMALL)
                self.write('huge.yaml', SMALL.replace(old, new))
                self.assert_refused('huge.yaml', 'huge.yaml:' + where)

    def test_non_finite_numbers(self):
        for value in ('.inf', '-.inf', '.nan', '.NaN', '1e999'):
            with self.subTest(value=value):
                self.write('nf.yaml', SMALL.replace('rate: 0.08}',
                                                    f'rate: {value}}}'))
                self.assert_refused(
                    'nf.yaml', 'nf.yaml:28:50: transitions.into_care.rate: '
                    f'expected a rate per year >= 0, found {value}')

    def test_binary_file(self):
        self.write('binary.yaml', bytes(range(256)) * 16)
        self.assert_refused('binary.yaml', 'binary.yaml:1:1: invalid YAML: '
                            'control characters are not allowed (#x0)')

    def test_random_bytes(self):
        rng = random.Random(6)
        for i in range(20):
            with self.subTest(seed=i):
                data = bytes(rng.randrange(256) for _ in range(2000))
                self.write('noise.yaml', data)
                v = run('validate', 'noise.yaml', cwd=self.dir)
                self.assertEqual(v.returncode, 2, v.stderr)
                self.assertRegex(first_line(v.stderr),
                                 r'^noise\.yaml:\d+:\d+: ')

    def test_nul_byte_in_text(self):
        self.write('nul.yaml', SMALL.replace('name: small', 'name: sm\0all'))
        self.assert_refused('nul.yaml', 'nul.yaml:1:9: invalid YAML: control '
                            'characters are not allowed (#x0)')

    def test_utf16_file(self):
        self.write('utf16.yaml', SMALL.encode('utf-16'))
        self.assert_refused('utf16.yaml', 'utf16.yaml:1:1: invalid YAML: '
                            'invalid leading UTF-8 octet (the file must be '
                            'UTF-8 text)')

    def test_one_megabyte_key(self):
        self.write('key.yaml', 'k' * 1000000 + ': 1\n')
        self.assert_refused('key.yaml', 'key.yaml:1:1000001: invalid YAML: '
                            'mapping values are not allowed in this context')

    def test_extends_chain_longer_than_16(self):
        for i in range(17):
            self.write(f'c{i}.yaml', f'extends: c{i + 1}.yaml\n')
        self.write('c17.yaml', SMALL)
        self.assert_refused('c0.yaml', 'c16.yaml:1:10: extends: expected at '
                            'most 16 files extending one another, found more')
        v = run('validate', 'c1.yaml', cwd=self.dir)
        self.assertEqual(v.returncode, 0, v.stderr)

    def test_extends_itself(self):
        self.write('self.yaml', 'extends: self.yaml\n')
        self.assert_refused('self.yaml', 'self.yaml:1:10: extends loop: '
                            'self.yaml -> self.yaml')

    def test_path_that_does_not_exist(self):
        self.assert_refused('no/such.yaml', 'no/such.yaml: cannot open: No '
                            'such file or directory')

    def test_directory_as_scenario(self):
        os.mkdir(self.path('adir.yaml'))
        self.assert_refused('adir.yaml',
                            'adir.yaml: cannot open: Is a directory')

    def test_fifo_as_scenario_does_not_hang(self):
        os.mkfifo(self.path('fifo.yaml'))
        self.assert_refused('fifo.yaml', 'fifo.yaml:1:1: expected a mapping '
                            'of scenario settings, found an empty file',
                            timeout=20)

    def test_dev_zero_as_scenario(self):
        self.assert_refused('/dev/zero', '/dev/zero: cannot open: file too '
                            'large (a scenario is at most 64 MiB)')

    def test_file_over_64_mib(self):
        with open(self.path('big.yaml'), 'wb') as f:
            f.truncate(65 * 1024 * 1024)
        self.assert_refused('big.yaml', 'big.yaml: cannot open: file too '
                            'large (a scenario is at most 64 MiB)')

    def test_extends_special_files(self):
        os.mkfifo(self.path('fifo'))
        os.mkdir(self.path('adir'))
        cases = [('/dev/zero', "extends: expected a regular file, found "
                  "'/dev/zero', a character device"),
                 ('adir', "extends: expected a regular file, found 'adir', "
                  'a directory'),
                 ('fifo', "extends: expected a regular file, found 'fifo', "
                  'a FIFO or pipe')]
        for target, message in cases:
            with self.subTest(target=target):
                self.write('ext.yaml', f'extends: {target}\n')
                if message.startswith('extends'):
                    message = 'ext.yaml:1:10: ' + message
                self.assert_refused('ext.yaml', message, timeout=20)

    def test_extends_stdin_while_stdin_is_an_open_pipe(self):
        # /dev/stdin and /proc/self/fd/0 are a pipe here whose writer stays
        # open: reading it would wait forever
        for target in ('/dev/stdin', '/proc/self/fd/0'):
            with self.subTest(target=target):
                self.write('ext.yaml', f'extends: {target}\n')
                for command in ('validate', 'run'):
                    p = subprocess.Popen([CASCADE, command, 'ext.yaml'],
                                         cwd=self.dir, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
                    try:
                        _, err = p.communicate(timeout=20)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.communicate()
                        self.fail(f'{command} blocked on {target}')
                    self.assertEqual(p.returncode, 2, err)
                    self.assertEqual(first_line(err),
                                     "ext.yaml:1:10: extends: expected a "
                                     f"regular file, found '{target}', a "
                                     'FIFO or pipe')

    def test_extends_of_a_file_that_is_not_a_scenario(self):
        secret = 'root:x:0:0:SECRET-TEXT:/root:/bin/bash\nnobody:SECRET2\n'
        self.write('passwd', secret)
        self.write('ext.yaml', 'extends: passwd\n')
        self.assert_refused('ext.yaml', "ext.yaml:1:10: extends: expected a "
                            "scenario file, found 'passwd', whose top level "
                            'is a single value, not a mapping of scenario '
                            'settings')
        v = run('validate', 'ext.yaml', cwd=self.dir)
        self.assertNotIn('SECRET', v.stderr)

    # run.c creates the output file, and with it the size check, before it
    # allocates its per-run tables (36 GB here); the address-space limit
    # keeps a regression from exhausting the machine.
    def test_runs_times_months_too_large(self):
        self.write('long.yaml', LONG)
        # 10^7 runs x 600 months x about 80 values x 8 bytes is 38 TB;
        # the check assumes 16:1 compression, so 2.4 TB.
        fs = os.statvfs(self.dir)
        if fs.f_bavail * fs.f_frsize > 2e12:
            self.skipTest('more than 2 TB free here')
        # AddressSanitizer reserves terabytes of shadow address space, so
        # under it the limit cannot apply (the check must still refuse).
        limit = None if 'ASAN_OPTIONS' in os.environ else limit_memory(8 << 30)
        r = run('run', 'long.yaml', '-n', '10000000', '-o', 'out.h5',
                cwd=self.dir, timeout=300, preexec_fn=limit)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertRegex(first_line(r.stderr),
                         r'^out\.h5: needs about [0-9.]+ (GB|TB) for '
                         r'10000000 runs; only [0-9.]+ [kMGTP]?B free on \.; '
                         r'use fewer runs or another directory$')
        self.assertFalse(os.path.exists(self.path('out.h5')))
        self.assertEqual(self.leftovers(), [])

    def test_too_large_for_a_small_disk(self):
        if not mounts_available():
            self.skipTest('needs root and mount namespaces (unshare -m)')
        disk = self.path('disk')
        os.mkdir(disk)
        r = in_tmpfs(disk, 'size=1m',
                     'cd "$MOUNT_DIR" && "$C" run "$1" -n 2000 -o out.h5; '
                     'echo "exit $?"; ls -A', self.small)
        self.assertIn('exit 2', r.stdout, r.stderr)
        self.assertRegex(first_line(r.stderr),
                         r'^out\.h5: needs about [0-9.]+ MB for 2000 runs; '
                         r'only 1\.0 MB free on \.; use fewer runs or another '
                         r'directory$')
        self.assertEqual(r.stdout.split('exit 2')[1].strip(), '')


class Faults(Workdir):
    """Faults while running: the earlier file at the path is untouched and
    nothing corrupt is left under the requested name."""

    def test_unwritable_directory(self):
        os.mkdir(self.path('ro'))
        os.chmod(self.path('ro'), 0o555)
        prefix = ()
        if IS_ROOT:
            if not shutil.which('setpriv'):
                self.skipTest('root ignores permissions; setpriv missing')
            prefix = ('setpriv', '--reuid=65534', '--regid=65534',
                      '--clear-groups')
        r = run('run', 'small.yaml', '-o', 'ro/out.h5', '-n', '2', '-q',
                cwd=self.dir, prefix=prefix)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(first_line(r.stderr),
                         "cannot write output file 'ro/out.h5': directory "
                         "'ro' is not writable: Permission denied")
        self.assertEqual(os.listdir(self.path('ro')), [])

    def test_read_only_file_system(self):
        if not mounts_available():
            self.skipTest('needs root and mount namespaces (unshare -m)')
        disk = self.path('disk')
        os.mkdir(disk)
        r = in_tmpfs(disk, 'ro,size=1m',
                     'cd "$MOUNT_DIR/.." && "$C" run "$1" -n 2 -q '
                     '-o disk/out.h5', self.small)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(first_line(r.stderr),
                         "cannot write output file 'disk/out.h5': directory "
                         "'disk' is not writable: Read-only file system")

    def test_parent_is_a_regular_file(self):
        self.write('notes.txt', 'my notes\n')
        r = run('run', 'small.yaml', '-o', 'notes.txt/out.h5', '-n', '2',
                cwd=self.dir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(first_line(r.stderr),
                         "cannot write output file 'notes.txt/out.h5': "
                         "'notes.txt' is not a directory")
        self.assertEqual(digest(self.path('notes.txt')),
                         hashlib.sha256(b'my notes\n').hexdigest())

    def disk_full_by_file_size_limit(self):
        out = self.good_output()
        before = digest(out)
        r = run('run', self.small, '-o', out, '-n', '2000', '-q',
                preexec_fn=limit_file_size(300 * 1000))
        return out, before, r

    def test_disk_full_part_way_keeps_earlier_file(self):
        out, before, r = self.disk_full_by_file_size_limit()
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"writing run \d+ of scenario 'small' to "
                         r'.*out\.h5: HDF5 error: .*File too large')
        self.assertEqual(digest(out), before)
        self.assertEqual(self.leftovers(), [])

    # HDF5 1.10.8 crashes at exit after a failed write unless main() calls
    # cs_output_prepare_process() first (HDFGroup/hdf5 PR #2291).
    def test_disk_full_part_way_exits_1_not_a_crash(self):
        _, _, r = self.disk_full_by_file_size_limit()
        self.assertEqual(r.returncode, 1, r.stderr)

    def test_disk_full_on_a_small_file_system(self):
        if not mounts_available():
            self.skipTest('needs root and mount namespaces (unshare -m)')
        disk = self.path('disk')
        os.mkdir(disk)
        # 800 runs pass the up-front estimate (16:1 compression, 1.8 MB)
        # but the file (7:1, 2.1 MB) fills the 2 MB file system part-way.
        script = ('cd "$MOUNT_DIR" && "$C" run "$1" -n 3 -q -o out.h5 && '
                  'sha256sum out.h5 && "$C" run "$1" -n 800 -q -o out.h5; '
                  'echo "exit $?"; sha256sum out.h5; ls -A')
        r = in_tmpfs(disk, 'size=2m', script, self.small)
        lines = r.stdout.split('\n')
        self.assertGreaterEqual(len(lines), 4, r.stdout + r.stderr)
        self.assertEqual(lines[0], lines[2], 'earlier file changed')
        self.assertNotEqual(lines[1], 'exit 0', r.stderr)
        self.assertIn('No space left on device', r.stderr)
        self.assertEqual(lines[3:], ['out.h5', ''], 'leftover files')

    def kill_mid_write(self, out):
        p = subprocess.Popen([CASCADE, 'run', self.path('long.yaml'), '-o',
                              out, '-n', '2000', '-q'],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        tmp = f'{out}.tmp-{p.pid}'
        deadline = time.monotonic() + 30
        while not os.path.exists(tmp) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(1)
        self.assertIsNone(p.poll(), 'the run ended before it was killed')
        p.kill()
        p.wait()
        self.assertEqual(p.returncode, -signal.SIGKILL)
        return tmp

    def test_sigkill_mid_write_keeps_earlier_file(self):
        self.write('long.yaml', LONG)
        out = self.good_output()
        before = digest(out)
        tmp = self.kill_mid_write(out)
        self.assertEqual(digest(out), before)
        # After SIGKILL nothing can remove the temporary: it stays, named
        # for the dead process, and is never mistaken for the output.
        self.assertEqual(self.leftovers(), [tmp])

    def test_sigkill_mid_write_leaves_nothing_at_the_path(self):
        self.write('long.yaml', LONG)
        out = self.path('new.h5')
        tmp = self.kill_mid_write(out)
        self.assertFalse(os.path.exists(out))
        self.assertEqual(self.leftovers(), [tmp])


class UntrustedOutput(Workdir):
    """The reader given truncated, corrupt, foreign or newer files: a clean
    error (exit 2 for bad input, 1 for a failed read), never a crash."""

    def read(self, path):
        return subprocess.run([READ_RESULT, path], capture_output=True,
                              text=True, timeout=120)

    def assert_refused(self, path, pattern):
        r = self.read(path)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertRegex(first_line(r.stderr), pattern)

    def test_valid_file_reads(self):
        r = self.read(self.good_output())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), 'ok: 1 scenarios, 3 runs read')

    def test_truncated_files(self):
        out = self.good_output()
        with open(out, 'rb') as f:
            data = f.read()
        for size in (0, 7, 8, 100, 511, 2048, len(data) // 4,
                     len(data) // 2, len(data) - 1000, len(data) - 1):
            with self.subTest(size=size):
                self.write('cut.h5', data[:size])
                self.assert_refused(self.path('cut.h5'),
                                    r'cut\.h5 (is not an HDF5 file|is an HDF5 '
                                    r'file that cannot be opened|is not a '
                                    r'valid cascade output)')

    def test_corrupted_files(self):
        out = self.good_output()
        with open(out, 'rb') as f:
            data = f.read()
        rng = random.Random(2024)
        outcomes = {}
        for i in range(60):
            damaged = bytearray(data)
            start = rng.randrange(len(data) // 8, len(data) - 64)
            for j in range(rng.randrange(1, 64)):
                damaged[start + j] = rng.randrange(256)
            self.write('bad.h5', bytes(damaged))
            r = self.read(self.path('bad.h5'))
            with self.subTest(case=i, offset=start):
                self.assertIn(r.returncode, (0, 1, 2),
                              f'crashed: {r.returncode} {r.stderr[-2000:]}')
                if r.returncode:
                    self.assertTrue(first_line(r.stderr), 'no message')
            outcomes[r.returncode] = outcomes.get(r.returncode, 0) + 1
        print(f'corrupted files: exit status -> count {outcomes}',
              file=sys.stderr)

    def test_foreign_hdf5_file(self):
        path = self.path('foreign.h5')
        with h5py.File(path, 'w') as f:
            f['stocks'] = np.zeros((3, 4))
            f.attrs['format_version'] = 1  # but no cascade_version
        self.assert_refused(path, r'foreign\.h5 is an HDF5 file but not a '
                            r'cascade output \(no format_version and '
                            r'cascade_version attributes\)$')

    def copy_and_edit(self, edit):
        out = self.good_output()
        path = self.path('edited.h5')
        shutil.copy(out, path)
        with h5py.File(path, 'r+') as f:
            edit(f)
        return path

    def test_newer_format_version(self):
        def newer(f):
            f.attrs['format_version'] = np.int32(4)
        self.assert_refused(self.copy_and_edit(newer),
                            r'edited\.h5 was written by a newer cascade '
                            r'\(format 4\); this build reads formats 1 to 3$')

    def test_format_version_not_an_integer(self):
        def text(f):
            f.attrs['format_version'] = 'one'
        self.assert_refused(self.copy_and_edit(text),
                            r'edited\.h5 is not a valid cascade output file: '
                            r'format_version is not an integer')

    def test_missing_dims(self):
        def drop(f):
            del f['dims/stage']
        self.assert_refused(self.copy_and_edit(drop),
                            r'edited\.h5 is not a valid cascade output file: '
                            r'cannot read /dims/stage as strings')

    def test_stocks_of_the_wrong_shape(self):
        def reshape(f):
            del f['scenarios/small/stocks']
            f['scenarios/small/stocks'] = np.zeros((3, 26, 4, 17))
        self.assert_refused(self.copy_and_edit(reshape),
                            r"edited\.h5 is not a valid cascade output file: "
                            r"scenario 'small': stocks, flows or run_done do "
                            r"not match /dims")

    def test_summary_of_the_wrong_shape(self):
        def reshape(f):
            del f['scenarios/small/summary/mean']
            f['scenarios/small/summary/mean'] = np.zeros((2, 2))
        self.assert_refused(self.copy_and_edit(reshape),
                            r"edited\.h5 is not a valid cascade output file: "
                            r"scenario 'small': summary/mean does not match "
                            r"/dims")

    def test_text_empty_and_directory(self):
        self.write('notes.h5', 'not HDF5\n')
        self.assert_refused(self.path('notes.h5'),
                            r'notes\.h5 is not an HDF5 file, so not a '
                            r'cascade output$')
        self.write('empty.h5', b'')
        self.assert_refused(self.path('empty.h5'),
                            r'empty\.h5 is not an HDF5 file')
        os.mkdir(self.path('dir.h5'))
        self.assert_refused(self.path('dir.h5'),
                            r'dir\.h5 is not a regular file$')


UNCERTAIN = SMALL.replace('name: small', 'name: small-unc').replace(
    'referral: {from: universal, to: cin, rate: 0.05}',
    'referral: {from: universal, to: cin, rate: '
    '{dist: gamma, mean: 0.05, sd: 0.01}}')


def craft_claims(src, dst, runs, done):
    """dst: src's scenarios declared with `runs` runs (its own runs' data
    copied into the first ones, the rest never written) and every run_done
    flag `done` through the fill value of a compressed, chunked run_done,
    so the file stays tiny whatever it claims."""
    with h5py.File(src, 'r') as f, h5py.File(dst, 'w', track_order=True) as g:
        for k, v in f.attrs.items():
            g.attrs[k] = v
        f.copy('dims', g)
        scenarios = g.create_group('scenarios', track_order=True)
        for name in f['scenarios']:
            s, t = f['scenarios'][name], scenarios.create_group(name)
            for k, v in s.attrs.items():
                t.attrs[k] = v
            t.attrs['n_runs'] = np.int32(min(runs, 2**31 - 1))
            for key in ('stocks', 'flows', 'spend', 'costs', 'capacity',
                        'params'):
                if key not in s:
                    continue
                d = s[key]
                new = t.create_dataset(key, shape=(runs,) + d.shape[1:],
                                       dtype='f8', chunks=(1,) + d.chunks[1:],
                                       fillvalue=np.nan, compression='gzip')
                new[:d.shape[0]] = d[...]
            t.create_dataset('run_done', shape=(runs,), dtype='u1',
                             chunks=(1 << 16,), compression='gzip',
                             fillvalue=done)
            for key in ('deflator', 'unit_costs', 'parameter',
                        'parameter_distribution', 'summary'):
                if key in s:
                    s.copy(key, t)


class CraftedClaims(Workdir):
    """A 100 kB file that claims ten million runs: every reader refuses it
    at once, naming the claim, instead of working for hours (export wrote
    towards 650 GB)."""

    def crafted(self, runs, done):
        unc = self.write('small-unc.yaml', UNCERTAIN)
        src = self.path('src.h5')
        r = run('run', unc, self.small, '-n', '3', '-q', '-o', src)
        self.assertEqual(r.returncode, 0, r.stderr)
        dst = self.path('claims.h5')
        craft_claims(src, dst, runs, done)
        self.assertLess(os.path.getsize(dst), 500_000)
        return dst

    def assert_every_reader_refuses(self, path, pattern):
        commands = [[READ_RESULT, path],
                    [CASCADE, 'summary', path],
                    [CASCADE, 'compare', path, '--no-write'],
                    [CASCADE, 'export', path, '--csv', self.path('csv')],
                    [CASCADE, 'sensitivity', path, '--outcome', 'spend:late'],
                    [CASCADE, 'merge', path, '-o', self.path('m.h5')]]
        for args in commands:
            with self.subTest(command=os.path.basename(args[0]) + ' ' +
                              (args[1] if args[0] == CASCADE else '')):
                start = time.monotonic()
                r = subprocess.run(args, capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertRegex(r.stderr, pattern)
                self.assertLess(time.monotonic() - start, 20)
        self.assertFalse(os.path.exists(self.path('m.h5')))
        self.assertFalse(os.path.exists(self.path('csv/stocks.csv')))
        self.assertEqual(self.leftovers(), [])

    def test_ten_million_runs_claimed_done_are_refused(self):
        path = self.crafted(10_000_000, 1)
        self.assert_every_reader_refuses(
            path, r"claims\.h5 is not a valid cascade output file: scenario "
                  r"'small-unc' marks 10000000 of its 10000000 runs done, but "
                  r"its stocks holds data for at most 3 \(a damaged or "
                  r"crafted file\)")

    def test_more_runs_than_a_file_may_hold_are_refused(self):
        path = self.crafted(10_000_001, 0)
        self.assert_every_reader_refuses(
            path, r"claims\.h5 is not a valid cascade output file: scenario "
                  r"'small-unc' declares 10000001 runs; a cascade file holds "
                  r"at most 10000000")


class OutputsNeverDestroyInputs(Workdir):
    """An output that is one of the command's inputs (by name, another
    name, a symlink or a hard link: compared by device and inode) is
    refused with exit 2 and the input is untouched; --force replaces
    regular files only; a name too long for its temporary is bad input."""

    def setUp(self):
        super().setUp()
        self.out = self.good_output('in.h5')
        self.before = digest(self.out)
        os.symlink('in.h5', self.path('link.h5'))
        os.link(self.out, self.path('hard.h5'))
        # another name for in.h5, relative to self.dir (where the commands
        # that use the names run): ./../tmpXXXX/in.h5
        roundabout = os.path.join('.', '..', os.path.basename(self.dir),
                                  'in.h5')
        self.names = [self.out, roundabout, self.path('link.h5'),
                      self.path('hard.h5')]

    def assert_refused_and_untouched(self, args, cwd=None):
        r = run(*args, cwd=cwd)
        self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
        self.assertRegex(r.stderr, r'is the input|is one of the parts')
        self.assertEqual(digest(self.out), self.before, args)
        self.assertTrue(os.path.islink(self.path('link.h5')))
        self.assertEqual(self.leftovers(), [])

    def test_summary_csv_onto_its_input(self):
        for name in self.names:
            self.assert_refused_and_untouched(
                ['summary', self.out, '--csv', name], cwd=self.dir)

    def test_compare_csv_onto_its_input(self):
        other = self.write('other.yaml', SMALL.replace('name: small',
                                                       'name: other'))
        pair = self.path('pair.h5')
        r = run('run', self.small, other, '-n', '3', '-q', '-o', pair)
        self.assertEqual(r.returncode, 0, r.stderr)
        pair_before = digest(pair)
        for name in (pair, self.path('pair.h5')):
            r = run('compare', pair, '--csv', name, '--no-write')
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn('is the input', r.stderr)
            self.assertEqual(digest(pair), pair_before)
        # two files: the alternative's too
        alt = self.path('alt.h5')
        r = run('run', other, '-n', '3', '-q', '-o', alt)
        alt_before = digest(alt)
        r = run('compare', self.out, alt, '--csv', self.path('hard.h5'))
        self.assertEqual(r.returncode, 2, r.stderr)
        r = run('compare', self.out, alt, '--csv', alt)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(digest(alt), alt_before)
        self.assertEqual(digest(self.out), self.before)

    def test_export_onto_its_input(self):
        d = self.path('csv')
        os.mkdir(d)
        os.link(self.out, os.path.join(d, 'stocks.csv'))
        for force in ([], ['--force']):
            self.assert_refused_and_untouched(
                ['export', self.out, '--csv', d, *force])
            self.assertEqual(sorted(os.listdir(d)), ['stocks.csv'])

    def test_merge_onto_a_part_by_another_name(self):
        part = self.path('part.h5')
        r = run('run', self.small, '-n', '6', '--runs', '3:5', '-q', '-o',
                part)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in self.names:
            self.assert_refused_and_untouched(
                ['merge', part, self.out, '-o', name], cwd=self.dir)

    def test_force_never_replaces_a_fifo_or_device(self):
        fifo = self.path('node')
        os.mkfifo(fifo)
        for args in (['run', self.small, '-n', '2', '-q', '-o', fifo,
                      '--force'],
                     ['merge', self.out, '-o', fifo, '--force']):
            r = run(*args)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
            self.assertIn('is not a regular file', r.stderr)
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))
        # a CSV to a character device is written into it, not over it
        r = run('summary', self.out, '--csv', '/dev/null')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISCHR(os.stat('/dev/null').st_mode))
        # ... and to a FIFO nobody reads is refused, not waited for
        r = run('summary', self.out, '--csv', fifo, timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('nobody reads', r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_too_long_output_names_exit_2(self):
        long = self.path('x' * 250)
        other = self.write('other.yaml', SMALL.replace('name: small',
                                                       'name: other'))
        pair = self.path('pair.h5')
        run('run', self.small, other, '-n', '2', '-q', '-o', pair)
        for args in (['run', self.small, '-n', '2', '-q', '-o', long],
                     ['merge', self.out, '-o', long],
                     ['summary', self.out, '--csv', long],
                     ['compare', pair, '--no-write', '--csv', long]):
            r = run(*args)
            self.assertEqual(r.returncode, 2, f'{args[0]}: {r.stderr}')
            self.assertIn('too long', r.stderr)
        self.assertEqual(self.leftovers(), [])


class Interrupts(Workdir):
    """SIGINT or SIGTERM while merge or export writes: the temporaries
    (tens of MB) are deleted, nothing at the output is changed, and the
    exit status is 128 + the signal."""

    def big(self, name, *args):
        out = self.path(name)
        r = run('run', self.small, '-n', '3000', '--seed', '8', '-q', '-o',
                out, *args, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def interrupt(self, args, pattern, sig):
        """Start args, send sig once a file matching pattern exists."""
        p = subprocess.Popen([CASCADE, *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not glob.glob(pattern) and time.monotonic() < deadline:
            if p.poll() is not None:
                break
            time.sleep(0.002)
        self.assertIsNone(p.poll(), 'finished before the signal')
        self.assertTrue(glob.glob(pattern), 'no temporary appeared')
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 128 + sig, err)
        self.assertIn('stopped by signal', err)
        self.assertEqual(glob.glob(pattern), [])

    def test_export_deletes_its_temporaries_on_sigint(self):
        out = self.big('big.h5')
        d = self.path('csv')
        os.mkdir(d)
        with open(os.path.join(d, 'stocks.csv'), 'w') as f:
            f.write('earlier\n')
        self.interrupt(['export', out, '--csv', d, '--force'],
                       os.path.join(d, '*.tmp-*'), signal.SIGINT)
        self.assertEqual(sorted(os.listdir(d)), ['stocks.csv'])
        with open(os.path.join(d, 'stocks.csv')) as f:
            self.assertEqual(f.read(), 'earlier\n')

    def test_merge_deletes_its_temporary_on_sigterm(self):
        a = self.big('a.h5', '--runs', '0:1499')
        b = self.big('b.h5', '--runs', '1500:2999')
        merged = self.good_output('merged.h5')
        before = digest(merged)
        self.interrupt(['merge', a, b, '-o', merged, '--quiet'],
                       merged + '.tmp-*', signal.SIGTERM)
        self.assertEqual(digest(merged), before)
        self.assertEqual(self.leftovers(), [])


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    READ_RESULT = os.path.abspath(sys.argv[3])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
