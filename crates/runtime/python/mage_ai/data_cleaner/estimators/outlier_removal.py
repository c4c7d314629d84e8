"""`OutlierRemover`: labels outliers with scikit-learn's Local Outlier Factor or Isolation Forest, as Mage does.

scikit-learn is imported only when a remover is fitted; without it, fitting raises ImportError naming the package.
"""

import numpy as np

MAX_CONTAMINATION_RATE = 0.15
MIN_CONTAMINATION_RATE = 0.025
SUPPORTED_METHODS = ["lof", "auto", "itree"]


class OutlierRemover:
    """Finds outliers in an (n_samples, n_dimensions) array: 'lof', 'itree', or 'auto' (lof up to 5 dimensions)."""

    def __init__(self, method: str = "auto") -> None:
        if method not in SUPPORTED_METHODS:
            raise ValueError(f"The method specified '{method}' is not supported.")
        self.method = method

    def estimate_contamination_rate(self, X: np.ndarray) -> float:
        """The share of rows with at least half their values beyond 1.5 interquartile ranges of their column."""
        first = np.quantile(X, 0.25, axis=0)
        third = np.quantile(X, 0.75, axis=0)
        reach = 1.5 * (third - first)
        beyond = (X < first - reach) | (X > third + reach)
        mostly_beyond = beyond.sum(axis=1) / beyond.shape[1] >= 0.5
        return mostly_beyond.sum() / mostly_beyond.size

    def fit(self, X: np.ndarray, y: np.ndarray = None):
        try:
            from sklearn.decomposition import PCA
            from sklearn.ensemble import IsolationForest
            from sklearn.neighbors import LocalOutlierFactor
        except ImportError as error:
            raise ImportError(
                "The remove_outliers transformer action needs scikit-learn: add `scikit-learn` to the project's "
                "requirements.txt."
            ) from error

        count, dimensions = X.shape
        rate = min(max(self.estimate_contamination_rate(X), MIN_CONTAMINATION_RATE), MAX_CONTAMINATION_RATE)
        if dimensions > 20:
            X = PCA(n_components=20, random_state=42).fit_transform(X)
        if self.method == "auto":
            self.method = "lof" if dimensions <= 5 else "itree"
        if self.method == "lof":
            if count < 10:
                neighbours = 2
            elif count < 500:
                neighbours = count // 10 + 1
            else:
                neighbours = 20 if rate <= 0.1 else 35
            self.outlier_remover = LocalOutlierFactor(n_neighbors=neighbours, n_jobs=-1, contamination=rate)
        else:
            self.outlier_remover = IsolationForest(contamination=rate, n_estimators=100, n_jobs=-1, random_state=42)
            self.outlier_remover.fit(X, y)
        return self

    def fit_transform(self, X: np.ndarray, y: np.ndarray = None) -> np.ndarray:
        self.fit(X, y)
        return self.transform(X)

    def transform(self, X: np.ndarray, **kwargs) -> np.ndarray:
        """True for each row that is an outlier."""
        if self.method == "lof":
            labels = self.outlier_remover.fit_predict(X, **kwargs)
        else:
            labels = self.outlier_remover.predict(X, **kwargs)
        return labels == -1
