"""Training data from real logs: chunk, ask a teacher, check the answers, build the dataset."""
