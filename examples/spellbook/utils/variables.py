"""Constants shared by the blocks of the spellbook project."""

import os

# The copy of the Titanic passenger list that ships with the project.
TITANIC_DATA_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "titanic.csv")

X_COLS = ["Age", "Fare", "Parch", "Pclass", "SibSp"]
Y_COLS = ["Survived"]
COLS = X_COLS + Y_COLS

BATCH_SIZE = 64
LEARNING_RATE = 1e-3
EPOCHS = 100

# Plain gradient descent on standardized features learns quickly with a larger step than the torch model uses.
NUMPY_LEARNING_RATE = 0.1
