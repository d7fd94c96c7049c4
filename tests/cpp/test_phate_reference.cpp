// Agreement with the official Python PHATE on the reference sets in ../shared/reference/phate
// (skipped when that folder is not beside the checkout). Thresholds are the reference's own
// lowest seed-to-seed figure minus 0.02, from its README.
#include <gtest/gtest.h>

#include <dtwin/phate.hpp>

#include <filesystem>
#include <iostream>

#include "test_util.hpp"

namespace {

std::string ref_dir() { return std::string(DTWIN_SHARED_DIR) + "/reference/phate/"; }

struct Case {
  const char* name;
  double min_spearman;  // <= 0: not checked
  double min_knn_acc;   // <= 0: not checked
  int t_lo, t_hi;       // reference t range over seeds
};

void check(const Case& c, const char* knn_method = "auto") {
  if (!std::filesystem::exists(ref_dir() + c.name + ".csv")) GTEST_SKIP() << "no " << ref_dir();
  auto X = dtwin_test::load_csv(ref_dir() + c.name + ".csv");
  auto ref = dtwin_test::load_csv(ref_dir() + std::string(c.name) + "_phate_seed0.csv");
  dtwin::PhateParams p;
  p.random_state = 0;
  p.knn_method = knn_method;
  dtwin::Phate<double> ph(p);
  auto Y = ph.fit_transform(X);
  // "Within the reference's range widened by 25%".
  EXPECT_GE(ph.optimal_t(), 0.75 * c.t_lo) << c.name;
  EXPECT_LE(ph.optimal_t(), 1.25 * c.t_hi) << c.name;
  if (c.min_spearman > 0) {
    const double rho = dtwin_test::distance_spearman(Y, ref, 3000);
    ::testing::Test::RecordProperty("spearman", std::to_string(rho));
    std::cout << c.name << ": Spearman of pairwise distances vs reference seed 0 = " << rho << "\n";
    EXPECT_GE(rho, c.min_spearman) << c.name;
  }
  if (c.min_knn_acc > 0) {
    auto L = dtwin_test::load_csv(ref_dir() + std::string(c.name) + "_labels.csv");
    std::vector<int> labels(static_cast<std::size_t>(L.rows()));
    for (Eigen::Index i = 0; i < L.rows(); ++i) labels[i] = static_cast<int>(L(i, 0));
    EXPECT_GE(dtwin_test::knn_accuracy(Y, labels), c.min_knn_acc) << c.name;
  }
}

}  // namespace

TEST(PhateReference, Swiss1000) { check({"swiss_1000", 0.978, 0, 23, 23}); }
TEST(PhateReference, Dla3000) { check({"dla_3000", 0.816, 0, 11, 15}); }
TEST(PhateReference, Blobs5000) { check({"blobs_5000", 0, 0.99, 12, 14}); }

// The approximate neighbour search (used by default above 10,000 samples) meets the same bars.
TEST(PhateReference, NNDescentKeepsTheAgreement) {
  for (Case c : {Case{"swiss_1000", 0.978, 0, 23, 23}, Case{"dla_3000", 0.816, 0, 11, 15},
                 Case{"blobs_5000", 0, 0.99, 12, 14}}) {
    SCOPED_TRACE(c.name);
    check(c, "nndescent");
  }
}
