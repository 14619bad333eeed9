"""Where submissions come from: student ids from LMS file names, notebooks matched by name."""

from mlcourse.grading.submissions import Submission, discover, match_notebooks


def test_student_ids_from_lms_file_names(tmp_path):
    for name in ["smith_12345_67890_ex01_losses.ipynb", "jones_LATE_222_333_ex01_losses-1.ipynb",
                 "alice_ex01_losses.ipynb", "bob.ipynb", "carol.zip", "notes.txt"]:
        (tmp_path / name).write_text("{}")
    moodle = tmp_path / "Jane Doe_4242_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "ex01_losses.ipynb").write_text("{}")
    nbgrader_layout = tmp_path / "dave" / "ex01_losses"
    nbgrader_layout.mkdir(parents=True)
    (nbgrader_layout / "ex01_losses.ipynb").write_text("{}")
    found = {s.student: [p.split("/")[-1] for p in s.files] for s in discover(tmp_path, "ex01_losses", ["ex01_losses"])}
    assert found == {"12345": ["smith_12345_67890_ex01_losses.ipynb"],
                     "222": ["jones_LATE_222_333_ex01_losses-1.ipynb"],
                     "alice": ["alice_ex01_losses.ipynb"], "bob": ["bob.ipynb"], "carol": ["carol.zip"],
                     "4242": ["ex01_losses.ipynb"], "dave": ["ex01_losses.ipynb"]}


def test_notebooks_are_matched_by_name(tmp_path):
    submission = Submission("x", (str(tmp_path / "x_part2.ipynb"), str(tmp_path / "x_part1.ipynb")))
    assert match_notebooks(submission, ["part1", "part2"], tmp_path / "unpacked") == {
        "part1": str(tmp_path / "x_part1.ipynb"), "part2": str(tmp_path / "x_part2.ipynb")}
