// MinHash signatures over word shingles, and the LSH banding that finds
// candidate near-duplicates without comparing every pair.
//
// A text's shingles are its runs of kShingleWords consecutive normalised
// words (a text with fewer words is one shingle). Each of kMinHashes hash
// functions keeps the smallest 64-bit hash over the shingles; the signature
// keeps the low 16 bits of each minimum (b-bit MinHash): 128 bytes per text,
// and two different minima agree by chance with probability 2^-16, which
// biases the Jaccard estimate by less than 0.0001.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace codi {

inline constexpr int kShingleWords = 3;
inline constexpr int kMinHashes = 64;

using MinHashSignature = std::array<uint16_t, kMinHashes>;

// The signature of `text` (normalised first; see text_tokens.h).
MinHashSignature ComputeMinHash(std::string_view text);

// The share of positions where `a` and `b` agree: an estimate of the Jaccard
// similarity of the two texts' shingle sets (standard error about
// sqrt(J(1-J)/64), 0.05 at J = 0.8).
double EstimateJaccard(const MinHashSignature& a, const MinHashSignature& b);

// LSH banding: the signature is cut into `bands` bands of `rows` positions;
// two texts are candidates when any band agrees exactly. A pair with Jaccard
// J becomes a candidate with probability 1 - (1 - J^rows)^bands.
struct LshBands {
  int bands = 16;
  int rows = 4;
};

// The banding for a similarity threshold: the most rows per band (fewest
// false candidates) that still makes a pair at the threshold a candidate
// with probability at least 0.99. Candidates are then checked against the
// threshold with EstimateJaccard.
LshBands BandsForThreshold(double threshold);

// The probability that a pair with Jaccard `j` becomes a candidate.
double CandidateProbability(const LshBands& lsh, double j);

}  // namespace codi
