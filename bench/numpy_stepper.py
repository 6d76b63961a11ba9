#!/usr/bin/python3
"""numpy_stepper.py - an analyst's vectorised numpy model of cascade's
stepper, read from the compiled tables `cascade model --export` writes
(docs/model-export.md): the plain reference bench/vs-numpy times cascade
against, and (its expected path) what tests/model holds the export to.

    python3 bench/numpy_stepper.py EXPORT_DIR [RUNS [SEED]] [--leavers-first]

prints the deterministic path's children looked after at the horizon and
the mean of RUNS stochastic runs. As a module: Model(dir).deterministic()
and Model(dir).stochastic(rng) return stocks [month, stage, age].

With leavers_first (Model(dir, leavers_first=True), `--leavers-first`)
the moves are drawn in cascade's order of work: one vectorised binomial of
how many leave every compartment, then one multinomial over the ways out
for the compartments someone leaves (the same law).

A month, as sim.c steps it (docs/model.md, "A month"): ageing (a twelfth
of each age a year older, or everyone in April), the moves (one
multinomial per compartment, all of them in ONE vectorised
Generator.multinomial call a month over the non-empty compartments),
arrivals (Poisson), capacity (the arrivals at a full stage let in by a
multivariate hypergeometric draw, the rest sent to the stage's when_full
stage; those admitted served by programmes, binomially), births (Poisson)
and net migration (Poisson in, binomial out); stocks summed at the end.

Differences from cascade, all of which leave the law of a run the same:
numpy's PCG64 streams instead of Philox keyed by (run, month,
compartment), so no common random numbers between scenarios and other
(equally distributed) draws; numpy's multinomial (conditional binomials,
BTPE) instead of cascade's leavers-first sampler; each compartment's
probabilities renormalised to sum to 1 (cascade's sum to 1 within 1e-9);
flows are not recorded (cascade's stepper is timed without them too).
"""

import json
import os
import sys

import numpy as np


class Model:
    """The tables of one export and the index arrays a vectorised month
    needs, built once."""

    def __init__(self, directory, leavers_first=False):
        # leavers_first: draw how many leave each compartment first (one
        # vectorised binomial), then one multinomial over the ways out for
        # the compartments someone leaves (cascade's order of work, in
        # numpy); else one multinomial over staying and the ways out
        self.leavers_first = leavers_first
        with open(os.path.join(directory, "manifest.json")) as f:
            self.manifest = json.load(f)
        man = self.manifest
        if man.get("format") != "cascade-model" or man.get("format_version") != 1:
            raise ValueError(f"{directory}: not a cascade model export (version 1)")
        self.t = {}
        for name, info in man["tables"].items():
            a = np.load(os.path.join(directory, info["file"]))
            if list(a.shape) != info["shape"]:
                raise ValueError(f"{name}: shape {a.shape}, manifest {info['shape']}")
            self.t[name] = a
        t = self.t
        self.n_c = man["compartments"]
        self.n_s = len(man["stages"])
        self.months = man["months"]
        c = np.arange(self.n_c)
        first = t["first_outcome"]
        k = np.diff(first)
        self.src = np.repeat(c, k)  # the compartment each outcome leaves
        dest = t["outcome_dest"]
        self.in_capacity = t["overflow_dest"] != c  # arrivals there wait
        stay = t["outcome_flow"] < 0
        # a move (not staying) into a stage with places waits for a place
        self.to_pending = ~stay & self.in_capacity[dest]
        self.dest = dest
        # the age-up map: the same stage, months and marks, a year older
        stage, age = t["compartment_stage"], t["compartment_age"]
        block = np.array([s["duration_slots"] for s in man["stages"]]) * (
            1 << len(man["marks"]))
        self.older = np.where(age < 17, c + block[stage], -1)
        self.young = age < 17
        self.cell = stage * 18 + age  # [stage][age] of each compartment
        # the padded [epoch, compartment, max_outcomes] table of one
        # multinomial a compartment, each row summing to 1
        kmax = man["max_outcomes"]
        self.slot = np.full((self.n_c, kmax), -1)
        pos = np.arange(len(dest)) - first[self.src]
        self.slot[self.src, pos] = np.arange(len(dest))
        p = t["outcome_p"]
        self.pmat = np.where(self.slot >= 0, p[:, np.maximum(self.slot, 0)], 0.0)
        self.pmat /= self.pmat.sum(axis=2, keepdims=True)
        self.slot_dest = np.where(self.slot >= 0, dest[np.maximum(self.slot, 0)], 0)
        self.slot_pending = np.where(self.slot >= 0,
                                     self.to_pending[np.maximum(self.slot, 0)], False)
        # leavers first: the chance of leaving and the ways out given it
        self.q_leave = np.minimum(self.pmat[:, :, 1:].sum(axis=2), 1.0)
        ways = self.pmat[:, :, 1:]
        total = ways.sum(axis=2, keepdims=True)
        self.ways = np.where(total > 0, ways / np.where(total > 0, total, 1), 0)
        self.ways[:, :, 0] = np.where(total[:, :, 0] > 0, self.ways[:, :, 0], 1)
        self.stay_dest = dest[first[:-1]]
        off = t["stage_offset"]
        self.capacity = [(j, int(s), int(off[s]), int(off[s + 1]))
                         for j, s in enumerate(t["capacity_stage"])]
        self.programmes = [(i, p["stage"]) for i, p in enumerate(man["programmes"])]
        ms = man["migration_stage"]
        self.migration = None
        if ms >= 0:
            b = int(block[ms])
            self.migration = (int(off[ms]), b)

    def _stocks(self, state):
        return np.bincount(self.cell, weights=state,
                           minlength=self.n_s * 18).reshape(self.n_s, 18)

    def _age(self, state, month, rng):
        t = self.t
        if t["ages_at"][month]:
            new = np.zeros_like(state)
            new[self.older[self.young]] = state[self.young]
            return new
        if self.manifest["ageing"] != "monthly":
            return state
        moved = state / 12 if rng is None else rng.binomial(
            state.astype(np.int64), 1 / 12).astype(float)
        state = state - moved
        state[self.older[self.young]] += moved[self.young]
        return state

    def _capacity(self, nxt, pending, month, rng):
        t = self.t
        for j, s, lo, hi in self.capacity:
            occupied = nxt[lo:hi].sum()
            wait = pending[lo:hi].copy()
            arriving = wait.sum()
            pending[lo:hi] = 0
            free = max(t["places"][month, j] - occupied, 0.0)
            if rng is not None:
                free = np.floor(free)
            let_in = min(arriving, free)
            if let_in >= arriving:
                admitted = wait
            elif rng is None:
                admitted = wait * let_in / arriving
            else:
                admitted = rng.multivariate_hypergeometric(
                    wait.astype(np.int64), int(let_in),
                    method="marginals").astype(float)
            away = wait - admitted
            # admitted: served by the stage's programmes, the rest as they are
            left, share_left = admitted, 1.0
            for p, stage in self.programmes:
                if stage != s:
                    continue
                share = t["programme_share"][month, p]
                if share <= 0 or share_left <= 0:
                    continue
                q = min(share / share_left, 1.0)
                served = left * q if rng is None else rng.binomial(
                    left.astype(np.int64), q).astype(float)
                share_left -= share
                left = left - served
                np.add.at(nxt, t["programme_dest"][p, lo:hi], served)
            nxt[lo:hi] += left
            # turned away: to the when_full stage, waiting there if it has places
            od = t["overflow_dest"][lo:hi]
            wait_again = self.in_capacity[od]
            np.add.at(pending, od[wait_again], away[wait_again])
            np.add.at(nxt, od[~wait_again], away[~wait_again])

    def _migrate(self, nxt, month, rng):
        if self.migration is None:
            return
        first, block = self.migration
        for a, mean in enumerate(self.t["migration"][month]):
            lo = first + a * block
            if mean > 0:
                nxt[lo] += mean if rng is None else rng.poisson(mean)
            elif mean < 0:
                there = nxt[lo:lo + block].sum()
                if there <= 0:
                    continue
                q = min(-mean / there, 1.0)
                n = nxt[lo:lo + block]
                gone = n * q if rng is None else rng.binomial(
                    n.astype(np.int64), q).astype(float)
                nxt[lo:lo + block] -= gone

    def run(self, rng=None):
        """One run: expected values with rng None, else stochastic."""
        t = self.t
        n_c = self.n_c
        state = (t["initial_expected"] if rng is None else t["initial"]).astype(float)
        stocks = np.empty((self.months, self.n_s, 18))
        for month in range(self.months):
            state = self._age(state, month, rng)
            e = t["epoch_of_month"][month]
            if rng is None:
                moved = state[self.src] * t["outcome_p"][e]
                nxt = np.bincount(self.dest[~self.to_pending],
                                  weights=moved[~self.to_pending], minlength=n_c)
                pending = np.bincount(self.dest[self.to_pending],
                                      weights=moved[self.to_pending], minlength=n_c)
            elif self.leavers_first:
                live = np.flatnonzero(state > 0)
                n = state[live].astype(np.int64)
                gone = rng.binomial(n, self.q_leave[e, live])
                w = np.flatnonzero(gone)
                drawn = rng.multinomial(gone[w], self.ways[e, live[w]]).astype(float)
                d, p = self.slot_dest[live[w], 1:], self.slot_pending[live[w], 1:]
                nxt = np.bincount(self.stay_dest[live], weights=(n - gone).astype(float),
                                  minlength=n_c)
                nxt += np.bincount(d[~p], weights=drawn[~p], minlength=n_c)
                pending = np.bincount(d[p], weights=drawn[p], minlength=n_c)
            else:
                # one multinomial call for every non-empty compartment
                live = np.flatnonzero(state > 0)
                drawn = rng.multinomial(state[live].astype(np.int64),
                                        self.pmat[e, live]).astype(float)
                d, w = self.slot_dest[live], self.slot_pending[live]
                nxt = np.bincount(d[~w], weights=drawn[~w], minlength=n_c)
                pending = np.bincount(d[w], weights=drawn[w], minlength=n_c)
            for s, c in enumerate(t["arrival_compartment"]):
                mean = t["arrival_mean"][month, s]
                n = mean if rng is None else rng.poisson(mean)
                (pending if self.in_capacity[c] else nxt)[c] += n
            self._capacity(nxt, pending, month, rng)
            b = t["births"][month]
            nxt[self.manifest["birth_compartment"]] += b if rng is None else rng.poisson(b)
            self._migrate(nxt, month, rng)
            state = nxt
            stocks[month] = self._stocks(state)
        return stocks

    def deterministic(self):
        return self.run(None)

    def stochastic(self, rng):
        return self.run(rng)

    def looked_after(self, stocks):
        """Children looked after in the last month of stocks."""
        la = [i for i, s in enumerate(self.manifest["stages"])
              if s["dfe"] == "looked_after"]
        return float(stocks[-1, la, :].sum())


def main(argv):
    leavers_first = "--leavers-first" in argv
    argv = [a for a in argv if a != "--leavers-first"]
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    model = Model(argv[1], leavers_first)
    runs = int(argv[2]) if len(argv) > 2 else 10
    seed = int(argv[3]) if len(argv) > 3 else 1
    print(f"deterministic: looked after at the horizon "
          f"{model.looked_after(model.deterministic()):.1f}")
    x = [model.looked_after(model.stochastic(np.random.default_rng([seed, r])))
         for r in range(runs)]
    se = np.std(x, ddof=1) / np.sqrt(runs) if runs > 1 else 0.0
    print(f"stochastic: mean of {runs} runs {np.mean(x):.1f} (SE {se:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
