"""Grading for instructors: ``mlcourse grade`` turns a folder of submissions into scores,
feedback and a gradebook, without letting a submission decide its own score.

==========================  ===================================================================
the batch grader            :mod:`~mlcourse.grading.batch` (the orchestrator: course template,
                            parallel workers, cache, reports), :mod:`~mlcourse.grading.worker`
                            (grades one submission in its own course directory),
                            :mod:`~mlcourse.grading.execute` (nbgrader's Execute preprocessor,
                            hardened: timeouts, dead kernels, output floods),
                            :mod:`~mlcourse.grading.kernels` (a fresh kernel per notebook,
                            started one notebook ahead),
                            :mod:`~mlcourse.grading.submissions` (finding them),
                            :mod:`~mlcourse.grading.report` (``grades.csv``, the summary figure),
                            :mod:`~mlcourse.grading.cluster` (the same grading as tasks on a
                            Dask cluster: ``--scheduler``)
the oracle                  :mod:`~mlcourse.grading.oracle` (runs the checkers in the grader,
                            one answer per call, scores from its own record),
                            :mod:`~mlcourse.grading.script` (what each test cell checks, read
                            from the source notebook); its protocol's kernel side is
                            :mod:`mlcourse.checks._client`
the sandbox                 :mod:`~mlcourse.grading.sandbox` (bubblewrap, the kernel's
                            ``mlcourse`` without the references under test),
                            :mod:`~mlcourse.grading.kernel_launcher` (runs inside it)
the reports for people      :mod:`~mlcourse.grading.similarity` (similar solution cells),
                            :mod:`~mlcourse.grading.manual` (answers graded by a person in
                            nbgrader's formgrader, merged back)
==========================  ===================================================================

What the test cells call (the checkers) is :mod:`mlcourse.checks`; releasing and
authoring exercises is :mod:`mlcourse.authoring`. Of this package only
the kernel launcher runs in a student's kernel.
"""
