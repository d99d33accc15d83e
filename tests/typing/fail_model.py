"""Must not type-check: composing models whose output and input types differ."""

from paralens import nn


def word_length(p: None, word: str) -> float:
    return float(len(word))


lengths = nn.model(word_length, lambda rng: None)
array_into_float = nn.linear(2, 3) >> lengths
float_into_array = lengths >> nn.linear(1, 2)
backwards = lengths << nn.linear(1, 2)
wrong_input = nn.linear(2, 3).apply(nn.linear(2, 3).init(0), "not an array")
wrong_params = nn.lin_reg().apply(nn.linear(1, 1).init(0), 1.0)
pair_mismatched = nn.then(nn.linear(2, 3), lengths)
chain_mismatched = nn.then(nn.linear(2, 3), lengths, nn.lin_reg())
