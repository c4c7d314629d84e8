"""Tests of the bench suite's figure helpers (bench/tools.py) and of its run loop (bench/suite.py): no figure,
however odd, stops the suite. Run: python3 -m unittest discover -s bench -p 'test_*.py'."""

import os
import sys
import tempfile
import unittest
from types import SimpleNamespace
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import suite  # noqa: E402
from tools import Stat, change, divide, mage_block_ends, meets, per_block, rate, ratio, spacing_ms  # noqa: E402


class Figures(unittest.TestCase):
    def test_a_median_of_zero_gives_a_ratio_that_says_so(self):
        self.assertEqual(ratio(Stat([3.2, 1.0], "s lag"), Stat([0, 0, 3], "s lag")), "— (Mage's median is 0)")
        self.assertEqual(ratio(Stat([2.0], "s"), Stat([4.0], "s")), "0.5")

    def test_a_stat_without_values_prints_and_divides_to_nothing(self):
        empty = Stat([], "s")
        self.assertIsNone(empty.median)
        self.assertEqual(str(empty), "no figure (s, n=0)")
        self.assertEqual(ratio(empty, Stat([1], "s")), "— (no figure)")
        self.assertEqual(meets(lambda value: value < 1, empty), "—")
        self.assertIsNone(per_block(empty, Stat([1], "s"), 20))
        self.assertIsNone(rate(1002, empty, "block runs/s"))
        self.assertEqual(change(empty, Stat([1], "ms"), "+.2f"), "?")

    def test_text_and_missing_figures_give_no_ratio(self):
        self.assertEqual(ratio(Stat([1], "s"), "failed: no runs"), "—")
        self.assertEqual(ratio(None, Stat([1], "s")), "—")
        self.assertIsNone(rate(1002, "run 7 not completed after 900 s", "block runs/s"))

    def test_the_spacing_of_block_ends_is_read_from_mages_output_files(self):
        with tempfile.TemporaryDirectory() as variables:
            for index, block in enumerate(["load", "step_1", "step_2"]):
                os.makedirs(os.path.join(variables, block, "output_0"))
                data = os.path.join(variables, block, "output_0", "data.json")
                open(data, "w").close()
                os.utime(data, ns=(0, 1_000_000_000 + index * 2_500_000))  # one every 2.5 ms
            os.makedirs(os.path.join(variables, "no_output"))
            self.assertAlmostEqual(spacing_ms(mage_block_ends(variables)), 2.5)
        self.assertEqual(mage_block_ends(os.path.join(variables, "gone")), [])
        self.assertIsNone(spacing_ms([1.0]))

    def test_the_helpers_compute_what_they_name(self):
        self.assertIsNone(divide(1, 0))
        self.assertEqual(str(rate(1002, Stat([2.0], "s"), "block runs/s")), "501 block runs/s (n=1)")
        self.assertEqual(per_block(Stat([1.1], "s"), Stat([0.1], "s"), 101).median, 10.0)
        self.assertEqual(meets(lambda value: value <= 3, Stat([2, 4, 5], "ms")), "not met")
        self.assertEqual(change(Stat([0.05], "s"), Stat([0.04], "s"), "+.1f", 1000), "+10.0")


class Run(unittest.TestCase):
    def suite(self, out, parts):
        fake = suite.Suite.__new__(suite.Suite)
        fake.args = SimpleNamespace(only=None, out=out, python=sys.executable, mage_venv=None)
        fake.smoke, fake.rev, fake.dirty = False, "abc1234", ""
        fake.work = tempfile.mkdtemp(prefix="wand-bench-test-")
        fake.rows, fake.notes, fake.scale, fake.failures, fake.load = [], [], [], [], [1.0]
        for name, part in parts.items():
            setattr(fake, name, part.__get__(fake))
        for name in {"cli", "start", "server", "auth", "monitoring", "scheduler", "scale_out"} - set(parts):
            def nothing(self):
                pass
            nothing.__name__ = name
            setattr(fake, name, nothing.__get__(fake))
        return fake

    def test_a_failing_part_is_reported_and_the_others_still_run_and_are_written(self):
        def cli(self):
            self.row("`run` one (CLI, cold)", Stat([0.3], "s"), Stat([2.9], "s"))

        def scheduler(self):
            self.row("scheduler lag", Stat([0.5], "s lag"), Stat([0, 0], "s lag"))
            raise ZeroDivisionError("division by zero")

        def scale_out(self):
            self.scale.append(("SQLite", 1, "98.8", "1714 ms"))

        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "RESULTS.md")
            fake = self.suite(out, {"cli": cli, "scheduler": scheduler, "scale_out": scale_out})
            self.assertEqual(fake.run(), 1)
            with open(out) as file:
                text = file.read()
        self.assertIn("| `run` one (CLI, cold) | 0.3 s (n=1) | 2.9 s (n=1) | 0.103 |", text)
        self.assertIn("| scheduler lag | 0.5 s lag (n=1) | 0 s lag (0–0, n=2) | — (Mage's median is 0) |", text)
        self.assertIn("`scheduler` failed: ZeroDivisionError: division by zero", text)
        self.assertIn("| SQLite | 1 | 98.8 | 1714 ms |", text)

    def test_an_interrupted_run_writes_what_it_measured_beside_the_results(self):
        def cli(self):
            self.row("`run` one (CLI, cold)", Stat([0.3], "s"))
            raise KeyboardInterrupt

        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "RESULTS.md")
            fake = self.suite(out, {"cli": cli})
            with self.assertRaises(KeyboardInterrupt):
                fake.run()
            self.assertFalse(os.path.exists(out))
            with open(os.path.join(folder, "RESULTS.partial.md")) as file:
                text = file.read()
        self.assertIn("| `run` one (CLI, cold) | 0.3 s (n=1) |", text)
        self.assertIn("It was interrupted", text)

    def test_a_stream_whose_rows_all_arrived_between_two_looks_is_written_without_a_rate(self):
        wand = {"rows": 100_000, "distinct": 100_000, "log": "", "exit": 0, "startup": 1.5}
        found = {"broker": "tansu", "mage": None, "wand": wand}
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(suite.streaming, "run", return_value=found):
            out = os.path.join(folder, "RESULTS.md")
            fake = self.suite(out, {})
            fake.args.postgres, fake.args.wand = "postgres://unused", "wand"
            self.assertEqual(fake.run(), 0)
            with open(out) as file:
                text = file.read()
        self.assertIn("| not measured: all 100,000 rows arrived between two looks (0.25 s apart) |", text)
        self.assertIn("| streaming: start to the first row in the sink | 1.5 s (n=1) |", text)


if __name__ == "__main__":
    unittest.main()
