"""Model selection: the Optuna study over a CNN search space, and champion/challenger.

``space`` declares what is searched, ``study`` opens and runs a resumable study,
``objective`` trains one trial with pruning, ``final`` retrains the best configuration,
``champion`` compares a challenger with the registered champion and promotes it under a
lock, ``serving`` predicts with a registered model. Nothing here knows about Kedro.
"""

import dl_lab.models.tunable_cnn  # noqa: F401  (registers the ``tunable_cnn`` architecture)
