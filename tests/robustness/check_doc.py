#!/usr/bin/python3
"""Keep docs/robustness.md true: every test a table row names must exist,
and every test in tests/robustness/ and every fuzz regression must be named
by some row.

Row references (backticked, in the last column):
  test_faults.py::Class.test_name   a method of that class in test_faults.py
  test_limits.c::test_name          a START_TEST registered with tcase_add_test
  tests/...                         a file that exists

usage: check_doc.py SOURCE_ROOT
"""
import ast
import glob
import os
import re
import sys


def faults_tests(path):
    tree = ast.parse(open(path, encoding='utf-8').read())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (isinstance(item, ast.FunctionDef)
                        and item.name.startswith('test')):
                    names.add(f'{node.name}.{item.name}')
    return names


def limits_tests(path):
    text = open(path, encoding='utf-8').read()
    defined = set(re.findall(r'START_TEST\((\w+)\)', text))
    added = set(re.findall(r'tcase_add_test\(\s*\w+,\s*(\w+)\)', text))
    return defined & added


def main():
    root = sys.argv[1]
    doc = os.path.join(root, 'docs', 'robustness.md')
    here = os.path.join(root, 'tests', 'robustness')
    faults = faults_tests(os.path.join(here, 'test_faults.py'))
    limits = limits_tests(os.path.join(here, 'test_limits.c'))
    regressions = {os.path.relpath(p, root) for p in
                   glob.glob(os.path.join(root, 'tests/fuzz/regressions/*'))
                   if not p.endswith('README.md')}
    problems, named = [], set()
    rows = 0
    for number, line in enumerate(open(doc, encoding='utf-8'), 1):
        if not line.startswith('|') or re.match(r'^\|[-| ]+\|$', line.strip()):
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if cells[-1] in ('Test', 'What it runs', 'Found'):
            continue
        rows += 1
        for ref in re.findall(r'`([^`]+)`', cells[-1]):
            named.add(ref)
            if ref.startswith('test_faults.py::'):
                ok = ref.split('::', 1)[1] in faults
            elif ref.startswith('test_limits.c::'):
                ok = ref.split('::', 1)[1] in limits
            elif ref.startswith(('tests/', 'docs/', '.ci/')):
                ok = os.path.exists(os.path.join(root, ref.split(' ')[0]))
            else:
                ok = True  # prose in backticks
            if not ok:
                problems.append(f'{doc}:{number}: {ref} does not exist')
    for name in sorted(faults):
        if f'test_faults.py::{name}' not in named:
            problems.append(f'test_faults.py::{name} is not in {doc}')
    for name in sorted(limits):
        if f'test_limits.c::{name}' not in named:
            problems.append(f'test_limits.c::{name} is not in {doc}')
    for path in sorted(regressions):
        if path not in named:
            problems.append(f'{path} is not in {doc}')
    for p in problems:
        print(p)
    print(f'{rows} rows; {len(faults)} end-to-end and {len(limits)} C tests; '
          f'{len(regressions)} fuzz regressions; {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
