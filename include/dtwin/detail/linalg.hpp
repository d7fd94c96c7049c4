#pragma once
// Dense linear algebra that PHATE spends its time in. With DTWIN_HAVE_LAPACK (set by the CMake
// target dtwin::headers) the big products and the symmetric eigen-solver go to the system
// BLAS/LAPACK, i.e. multithreaded OpenBLAS; otherwise Eigen's own kernels are used.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "dtwin/detail/tridiagonal.hpp"
#include "dtwin/error.hpp"

#ifdef DTWIN_HAVE_LAPACK
extern "C" {
void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*, const double*,
            const int*, const double*, const int*, const double*, double*, const int*);
void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
            const int*, const float*, const int*, const float*, float*, const int*);
void dsyevd_(const char*, const char*, const int*, double*, const int*, double*, double*, const int*, int*,
             const int*, int*);
void ssyevd_(const char*, const char*, const int*, float*, const int*, float*, float*, const int*, int*,
             const int*, int*);
void dsyrk_(const char*, const char*, const int*, const int*, const double*, const double*, const int*,
            const double*, double*, const int*);
void ssyrk_(const char*, const char*, const int*, const int*, const float*, const float*, const int*,
            const float*, float*, const int*);
void dtrsm_(const char*, const char*, const char*, const char*, const int*, const int*, const double*,
            const double*, const int*, double*, const int*);
void strsm_(const char*, const char*, const char*, const char*, const int*, const int*, const float*, const float*,
            const int*, float*, const int*);
void ssytrd_(const char*, const int*, float*, const int*, float*, float*, float*, float*, const int*, int*);
void dsytrd_(const char*, const int*, double*, const int*, double*, double*, double*, double*, const int*, int*);
void dsterf_(const int*, double*, double*, int*);
void sstedc_(const char*, const int*, float*, float*, float*, const int*, float*, const int*, int*, const int*, int*);
void dstedc_(const char*, const int*, double*, double*, double*, const int*, double*, const int*, int*, const int*,
             int*);
void sormtr_(const char*, const char*, const char*, const int*, const int*, const float*, const int*, const float*,
             float*, const int*, float*, const int*, int*);
void dormtr_(const char*, const char*, const char*, const int*, const int*, const double*, const int*,
             const double*, double*, const int*, double*, const int*, int*);
void dpotrf_(const char*, const int*, double*, const int*, int*);
void dpotri_(const char*, const int*, double*, const int*, int*);
}
#endif

namespace dtwin::detail {

template <typename S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
template <typename S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

// C = op(A) * op(B). A and B are contiguous column-major (Mat or Map of one).
template <typename S, typename DA, typename DB>
void gemm(const DA& A, bool ta, const DB& B, bool tb, Mat<S>& C) {
  const int m = static_cast<int>(ta ? A.cols() : A.rows());
  const int k = static_cast<int>(ta ? A.rows() : A.cols());
  const int n = static_cast<int>(tb ? B.rows() : B.cols());
  C.resize(m, n);
  if (m == 0 || n == 0) return;
#ifdef DTWIN_HAVE_LAPACK
  const char a = ta ? 'T' : 'N', b = tb ? 'T' : 'N';
  const S one = 1, zero = 0;
  const int lda = std::max<int>(1, static_cast<int>(A.rows()));
  const int ldb = std::max<int>(1, static_cast<int>(B.rows()));
  if constexpr (std::is_same_v<S, double>)
    dgemm_(&a, &b, &m, &n, &k, &one, A.data(), &lda, B.data(), &ldb, &zero, C.data(), &m);
  else
    sgemm_(&a, &b, &m, &n, &k, &one, A.data(), &lda, B.data(), &ldb, &zero, C.data(), &m);
#else
  (void)k;
  if (ta && tb) C.noalias() = A.transpose() * B.transpose();
  else if (ta) C.noalias() = A.transpose() * B;
  else if (tb) C.noalias() = A * B.transpose();
  else C.noalias() = A * B;
#endif
}

// C = alpha op(A) op(A)^T, or C += that when accumulate (C already n x n and symmetric); both
// triangles. op(A) is A, or A^T when ta; A is contiguous column-major. Half the arithmetic of
// gemm: only one triangle is computed, then mirrored.
template <typename S, typename DA>
void gram(const DA& A, bool ta, Mat<S>& C, S alpha = 1, bool accumulate = false) {
  const int n = static_cast<int>(ta ? A.cols() : A.rows());
  const int k = static_cast<int>(ta ? A.rows() : A.cols());
  if (!accumulate) C.resize(n, n);
  if (n == 0) return;
#ifdef DTWIN_HAVE_LAPACK
  const char uplo = 'L', trans = ta ? 'T' : 'N';
  const S beta = accumulate ? 1 : 0;
  const int lda = std::max<int>(1, static_cast<int>(A.rows()));
  if (k > 0) {
    if constexpr (std::is_same_v<S, double>)
      dsyrk_(&uplo, &trans, &n, &k, &alpha, A.data(), &lda, &beta, C.data(), &n);
    else
      ssyrk_(&uplo, &trans, &n, &k, &alpha, A.data(), &lda, &beta, C.data(), &n);
  } else if (!accumulate) {
    C.setZero();
  }
  C.template triangularView<Eigen::StrictlyUpper>() = C.transpose();
#else
  (void)k;
  Mat<S> P = ta ? Mat<S>(A.transpose() * A) : Mat<S>(A * A.transpose());
  if (accumulate) C += alpha * P;
  else C = alpha * P;
#endif
}

// Eigen-decomposition of a symmetric matrix, eigenvalues ascending. A is overwritten by the
// eigenvectors (columns) when vectors is true.
template <typename S>
void symmetric_eigen(Mat<S>& A, Vec<S>& w, bool vectors) {
  const int n = static_cast<int>(A.rows());
  w.resize(n);
  if (n == 0) return;
#ifdef DTWIN_HAVE_LAPACK
  const char jobz = vectors ? 'V' : 'N', uplo = 'L';
  int info = 0, lwork = -1, liwork = -1, iwq = 0;
  S wq = 0;
  auto call = [&](S* work, int* iwork) {
    if constexpr (std::is_same_v<S, double>)
      dsyevd_(&jobz, &uplo, &n, A.data(), &n, w.data(), work, &lwork, iwork, &liwork, &info);
    else
      ssyevd_(&jobz, &uplo, &n, A.data(), &n, w.data(), work, &lwork, iwork, &liwork, &info);
  };
  call(&wq, &iwq);
  lwork = static_cast<int>(wq) + 1;
  liwork = std::max(iwq, 1);
  Vec<S> work(lwork);
  Eigen::VectorXi iwork(liwork);
  call(work.data(), iwork.data());
  if (info != 0)
    throw RuntimeError("symmetric eigen-solver (LAPACK syevd) failed with info=" + std::to_string(info) +
                       "; the operator may contain NaN or inf");
#else
  Eigen::SelfAdjointEigenSolver<Mat<S>> es(A, vectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) throw RuntimeError("symmetric eigen-solver failed to converge");
  w = es.eigenvalues();
  if (vectors) A = es.eigenvectors();
#endif
}

// A symmetric eigen-decomposition in two steps, for when whether the eigenvectors are wanted
// depends on the eigenvalues: the reduction to tridiagonal form (LAPACK sytrd, most of the
// eigenvalues' cost) is done once; values() come from it (by bisection in single precision,
// tridiagonal.hpp; by sterf in double), vectors() later by stedc and ormtr: together what
// syevd does, at the price of the values computed once more.
template <typename S>
class SymmetricEigen {
 public:
  explicit SymmetricEigen(Mat<S> A) : A_(std::move(A)) {
    const int n = static_cast<int>(A_.rows());
    values_.resize(n);
    if (n == 0) return;
#ifdef DTWIN_HAVE_LAPACK
    d_.resize(n);
    e_.resize(std::max(n - 1, 1));
    tau_.resize(std::max(n - 1, 1));
    const char uplo = 'L';
    int info = 0, lwork = -1;
    S wq = 0;
    auto trd = [&](S* work) {
      if constexpr (std::is_same_v<S, double>)
        dsytrd_(&uplo, &n, A_.data(), &n, d_.data(), e_.data(), tau_.data(), work, &lwork, &info);
      else
        ssytrd_(&uplo, &n, A_.data(), &n, d_.data(), e_.data(), tau_.data(), work, &lwork, &info);
    };
    trd(&wq);
    lwork = std::max(static_cast<int>(wq), 1);
    Vec<S> work(lwork);
    trd(work.data());
    check(info, "sytrd");
    if constexpr (std::is_same_v<S, double>) {
      values_ = d_;
      Vec<S> e = e_;
      dsterf_(&n, values_.data(), e.data(), &info);
      check(info, "sterf");
    } else {
      tridiagonal_eigenvalues<S>(d_.data(), e_.data(), n, values_.data());
    }
#else
    Eigen::SelfAdjointEigenSolver<Mat<S>> es(A_, Eigen::EigenvaluesOnly);
    if (es.info() != Eigen::Success) throw RuntimeError("symmetric eigen-solver failed to converge");
    values_ = es.eigenvalues();
#endif
  }

  const Vec<S>& values() const { return values_; }  // ascending

  // The eigenvectors (columns) and, in w, their eigenvalues (ascending; equal to values() to
  // rounding). Call once: it consumes the reduction.
  Mat<S> vectors(Vec<S>& w) {
    const int n = static_cast<int>(A_.rows());
    w.resize(n);
    if (n == 0) return Mat<S>();
#ifdef DTWIN_HAVE_LAPACK
    Mat<S> Z(n, n);
    w = d_;
    Vec<S> e = e_;
    const char compz = 'I', side = 'L', uplo = 'L', trans = 'N';
    int info = 0, lwork = -1, liwork = -1, iwq = 0;
    S wq = 0;
    auto dc = [&](S* work, int* iwork) {
      if constexpr (std::is_same_v<S, double>)
        dstedc_(&compz, &n, w.data(), e.data(), Z.data(), &n, work, &lwork, iwork, &liwork, &info);
      else
        sstedc_(&compz, &n, w.data(), e.data(), Z.data(), &n, work, &lwork, iwork, &liwork, &info);
    };
    dc(&wq, &iwq);
    lwork = std::max(static_cast<int>(wq), 1);
    liwork = std::max(iwq, 1);
    {
      Vec<S> work(lwork);
      Eigen::VectorXi iwork(liwork);
      dc(work.data(), iwork.data());
    }
    check(info, "stedc");
    auto mtr = [&](S* work) {
      if constexpr (std::is_same_v<S, double>)
        dormtr_(&side, &uplo, &trans, &n, &n, A_.data(), &n, tau_.data(), Z.data(), &n, work, &lwork, &info);
      else
        sormtr_(&side, &uplo, &trans, &n, &n, A_.data(), &n, tau_.data(), Z.data(), &n, work, &lwork, &info);
    };
    lwork = -1;
    mtr(&wq);
    lwork = std::max(static_cast<int>(wq), 1);
    {
      Vec<S> work(lwork);
      mtr(work.data());
    }
    check(info, "ormtr");
    A_.resize(0, 0);
    return Z;
#else
    Eigen::SelfAdjointEigenSolver<Mat<S>> es(A_, Eigen::ComputeEigenvectors);
    if (es.info() != Eigen::Success) throw RuntimeError("symmetric eigen-solver failed to converge");
    w = es.eigenvalues();
    A_.resize(0, 0);
    return es.eigenvectors();
#endif
  }

 private:
  static void check(int info, const char* routine) {
    if (info != 0)
      throw RuntimeError(std::string("symmetric eigen-solver (LAPACK ") + routine + ") failed with info=" +
                         std::to_string(info) + "; the operator may contain NaN or inf");
  }

  Mat<S> A_;  // the reflectors of the reduction (LAPACK) or the matrix itself
  Vec<S> d_, e_, tau_, values_;
};

// Inverse and log-determinant of a symmetric positive definite matrix, in place (A becomes
// A^-1, both triangles). False, with A undefined, when A is not positive definite.
inline bool spd_inverse(Mat<double>& A, double& logdet) {
  const int n = static_cast<int>(A.rows());
  logdet = 0;
  if (n == 0) return true;
#ifdef DTWIN_HAVE_LAPACK
  const char uplo = 'L';
  int info = 0;
  dpotrf_(&uplo, &n, A.data(), &n, &info);
  if (info != 0) return false;
  for (int i = 0; i < n; ++i) logdet += 2 * std::log(A(i, i));
  dpotri_(&uplo, &n, A.data(), &n, &info);
  if (info != 0) return false;
  A.template triangularView<Eigen::StrictlyUpper>() = A.transpose();
#else
  Eigen::LLT<Mat<double>> llt(A);
  if (llt.info() != Eigen::Success) return false;
  logdet = 2 * llt.matrixLLT().diagonal().array().log().sum();
  A = llt.solve(Mat<double>::Identity(n, n));
#endif
  return true;
}

// Blocks of vectors below are stored transposed: Yt (k x n, column-major) holds the n x k block
// Y row by row, so the k entries of one sample are adjacent. A sparse operator reads its
// neighbours' rows in that layout without copying the block into another one (at 100,000 x 110
// floats each copy both ways had cost about as much as the product itself).

// Orthonormal basis of the span of the k rows of Yt (k x n, n >> k), i.e. of the columns of Y.
// Cholesky QR done twice (CholQR2): per pass a rank-k update (the Gram matrix), a small
// Cholesky and a triangular solve instead of a Householder QR, which was 10x slower on tall
// blocks here; the second pass restores orthogonality lost to the Gram matrix's conditioning.
// Falls back to Householder QR when the Gram matrix is numerically singular. passes = 1 gives
// a well-conditioned but only roughly orthonormal basis of the same span, at half the cost.
template <typename S>
Mat<S> orthonormalize_rows(Mat<S> Qt, int passes = 2) {
  const int k = static_cast<int>(Qt.rows()), n = static_cast<int>(Qt.cols());
  for (int pass = 0; pass < passes; ++pass) {
    Mat<S> G;
    gram<S>(Qt, false, G);
    Eigen::LLT<Mat<S>> llt(G);
    const S scale = G.diagonal().maxCoeff();
    if (llt.info() != Eigen::Success || !(scale > 0) ||
        llt.matrixLLT().diagonal().minCoeff() < std::sqrt(scale) * std::sqrt(std::numeric_limits<S>::epsilon()) * 10) {
      Eigen::HouseholderQR<Mat<S>> qr(Qt.transpose());
      Mat<S> H = Mat<S>::Identity(n, k);
      H.applyOnTheLeft(qr.householderQ());
      return H.transpose();
    }
    // Q <- Q R^-1 with R = L^T, i.e. Qt <- R^-T Qt: a triangular solve in place, half the
    // arithmetic of multiplying by an explicit inverse and no second n x k block.
    const Mat<S> R = llt.matrixU();
#ifdef DTWIN_HAVE_LAPACK
    const char side = 'L', uplo = 'U', trans = 'T', diag = 'N';
    const S one = 1;
    if constexpr (std::is_same_v<S, double>)
      dtrsm_(&side, &uplo, &trans, &diag, &k, &n, &one, R.data(), &k, Qt.data(), &k);
    else
      strsm_(&side, &uplo, &trans, &diag, &k, &n, &one, R.data(), &k, Qt.data(), &k);
#else
    R.transpose().template triangularView<Eigen::Lower>().solveInPlace(Qt);
#endif
  }
  return Qt;
}

// Top-k eigenpairs (by magnitude) of a symmetric operator given as Yt = apply_rows(Xt), blocks
// transposed as above, by randomized subspace iteration (Halko, Martinsson & Tropp 2011).
// Vectors in the columns of V (n x k), values sorted by decreasing magnitude. normalize_every:
// the block is re-orthonormalised after every so many power iterations (and after the last).
// 2 halves that work and is safe where the top k + oversample eigenvalues lie close together in
// magnitude, as those of a diffusion operator near 1 do: two products then barely tilt the
// block; where they spread over orders of magnitude, keep 1.
template <typename S, typename ApplyRows>
void randomized_symmetric_eigs_rows(Eigen::Index n, int k, int oversample, int iters, std::uint64_t seed,
                                    ApplyRows&& apply_rows, Mat<S>& V, Vec<S>& values, int normalize_every = 1) {
  const Eigen::Index p = std::min<Eigen::Index>(n, k + oversample);
  // The start block, uniform in [-1, 1): each entry hashed from (seed, sample, vector), so it
  // fills in parallel and does not depend on the thread count. The range finder needs only a
  // random start, not a Gaussian one; drawing 11 million normals from a generator had taken
  // 0.33 s of the landmark stage at 100,000 samples here, the hash takes a few ms.
  Mat<S> Xt(p, n);
#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < p; ++j) {
      std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(i * p + j + 1);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;  // splitmix64's finaliser
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      z ^= z >> 31;
      Xt(j, i) = static_cast<S>(static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0);
    }
  // Between power iterations only the span matters, and one Cholesky-QR pass keeps it well
  // conditioned; the basis the Rayleigh-Ritz step uses is orthonormalised in full. (A pass is
  // two GEMMs, about 0.15 s at 100,000 x 110 here, and the landmark stage runs seven.)
  Mat<S> Qt = orthonormalize_rows<S>(apply_rows(Xt), iters > 0 ? 1 : 2);
  Xt.resize(0, 0);
  for (int it = 0; it < iters; ++it) {
    Qt = apply_rows(Qt);
    if (it + 1 == iters) Qt = orthonormalize_rows<S>(std::move(Qt), 2);
    else if ((it + 1) % std::max(normalize_every, 1) == 0) Qt = orthonormalize_rows<S>(std::move(Qt), 1);
  }
  Mat<S> AQt = apply_rows(Qt);
  Mat<S> T;
  gemm<S>(Qt, false, AQt, true, T);
  T = (T + T.transpose()).eval() * S(0.5);
  Vec<S> w;
  symmetric_eigen<S>(T, w, true);
  std::vector<int> order(w.size());
  for (int i = 0; i < static_cast<int>(w.size()); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return std::abs(w[a]) > std::abs(w[b]); });
  const int kk = std::min<int>(k, static_cast<int>(order.size()));
  Mat<S> Tk(T.rows(), kk);
  values.resize(kk);
  for (int j = 0; j < kk; ++j) {
    Tk.col(j) = T.col(order[j]);
    values[j] = w[order[j]];
  }
  gemm<S>(Qt, true, Tk, false, V);
}

// The same for an operator given on column-major blocks, Y = apply(X) (dense operators, whose
// blocks are small next to them).
template <typename S, typename Apply>
void randomized_symmetric_eigs(Eigen::Index n, int k, int oversample, int iters, std::uint64_t seed, Apply&& apply,
                               Mat<S>& V, Vec<S>& values) {
  auto apply_rows = [&](const Mat<S>& Xt) -> Mat<S> {
    Mat<S> X = Xt.transpose();
    return apply(X).transpose();
  };
  randomized_symmetric_eigs_rows<S>(n, k, oversample, iters, seed, apply_rows, V, values);
}

}  // namespace dtwin::detail
