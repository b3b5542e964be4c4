"""Model selection: the Optuna study over a CNN search space, and the best model retrained.

``space`` declares what is searched, ``config`` the study's parameters, ``study`` opens and
runs a resumable study, ``objective`` trains one trial with pruning, ``final`` retrains the
best configuration, ``runs`` names and tags their MLflow runs, ``results`` tabulates them.
Every trial and the final retrain train through ``training.fit.train``. Nothing here
knows about Kedro.
"""

import dl_lab.models.tunable_cnn  # noqa: F401  (registers the ``tunable_cnn`` architecture)
