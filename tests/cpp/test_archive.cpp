#include <gtest/gtest.h>

#include <dtwin/archive.hpp>

#include <H5Cpp.h>

#include <filesystem>
#include <fstream>

#include "test_util.hpp"

namespace fs = std::filesystem;
using M = dtwin::PGan::Matrix;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("dtwin_archive_" + std::to_string(::getpid()) + "_" +
                                               std::to_string(std::rand()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

struct Models {
  dtwin::Phate<double> phate;
  dtwin::PGan gan;
  dtwin::SoftSensorMLP mlp;
  M X;
};

Models fitted() {
  dtwin::PhateParams pp;
  pp.random_state = 0;
  dtwin::PGanParams gp;
  gp.random_state = 0;
  gp.epochs = 5;
  dtwin::SoftSensorParams sp;
  sp.random_state = 0;
  sp.epochs = 5;
  Models m{dtwin::Phate<double>(pp), dtwin::PGan(gp), dtwin::SoftSensorMLP(sp), dtwin_test::swiss_roll(150, 0.3, 1)};
  M Z = m.phate.fit_transform(m.X);
  m.gan.fit(Z, m.X);
  m.mlp.fit(m.X.leftCols(2), m.X.rightCols(1));
  return m;
}

void expect_io_error(const std::string& path, const std::string& part) {
  try {
    dtwin::Archive::load(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const dtwin::IOError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Archive, RoundTripGivesIdenticalResults) {
  TempDir dir;
  Models m = fitted();
  dtwin::Archive a;
  a.put("reactor/phate", m.phate);
  a.put("reactor/pgan", m.gan);
  a.put("reactor/soft_sensor", m.mlp);
  a.save(dir.file("unit.h5"));
  EXPECT_FALSE(fs::exists(dir.file("unit.h5.tmp-" + std::to_string(::getpid()))));

  auto b = dtwin::Archive::load(dir.file("unit.h5"));
  EXPECT_EQ(b.names(), (std::vector<std::string>{"reactor/pgan", "reactor/phate", "reactor/soft_sensor"}));
  EXPECT_EQ(b.kind("reactor/pgan"), "pgan");
  EXPECT_FALSE(b.created().empty());
  auto phate = b.get_phate("reactor/phate");
  M Xn = dtwin_test::swiss_roll(10, 0.3, 2);
  EXPECT_EQ(phate.transform(Xn), m.phate.transform(Xn));
  EXPECT_EQ(phate.optimal_t(), m.phate.optimal_t());
  auto gan = b.get_pgan("reactor/pgan");
  M Z = m.phate.embedding();
  EXPECT_EQ(gan.generate(Z), m.gan.generate(Z));
  EXPECT_EQ(gan.history().size(), m.gan.history().size());
  auto mlp = b.get_soft_sensor("reactor/soft_sensor");
  EXPECT_EQ(mlp.predict(m.X.leftCols(2)), m.mlp.predict(m.X.leftCols(2)));
  EXPECT_THROW(b.get_pgan("reactor/phate"), dtwin::InvalidArgument);
  EXPECT_THROW(b.get_pgan("nothing"), dtwin::InvalidArgument);
}

TEST(Archive, ClearErrorsForBadFiles) {
  TempDir dir;
  expect_io_error(dir.file("missing.h5"), "no file");
  {
    std::ofstream(dir.file("text.h5")) << "not hdf5 at all";
  }
  expect_io_error(dir.file("text.h5"), "not an HDF5 file");
  {
    H5::H5File f(dir.file("foreign.h5"), H5F_ACC_TRUNC);
    f.createGroup("something");
  }
  expect_io_error(dir.file("foreign.h5"), "not a dtwin archive");

  Models m = fitted();
  dtwin::Archive a;
  a.put("pgan", m.gan);
  a.save(dir.file("good.h5"));
  {
    H5::H5File f(dir.file("good.h5"), H5F_ACC_RDWR);
    const int v = 99;
    f.openAttribute("format_version").write(H5::PredType::NATIVE_INT, &v);
  }
  expect_io_error(dir.file("good.h5"), "newer than this dtwin");

  a.save(dir.file("cut.h5"));
  const auto size = fs::file_size(dir.file("cut.h5"));
  fs::resize_file(dir.file("cut.h5"), size / 2);
  EXPECT_THROW(dtwin::Archive::load(dir.file("cut.h5")), dtwin::IOError);

  // A weight with the wrong shape is named.
  a.save(dir.file("shape.h5"));
  {
    H5::H5File f(dir.file("shape.h5"), H5F_ACC_RDWR);
    f.unlink("pgan/arrays/weights/generator.0.weight");
    hsize_t dims[2] = {3, 3};
    f.createDataSet("pgan/arrays/weights/generator.0.weight", H5::PredType::NATIVE_FLOAT, H5::DataSpace(2, dims));
  }
  auto damaged = dtwin::Archive::load(dir.file("shape.h5"));
  try {
    damaged.get_pgan("pgan");
    ADD_FAILURE() << "no error for a wrong shape";
  } catch (const dtwin::IOError& e) {
    EXPECT_NE(std::string(e.what()).find("generator.0.weight"), std::string::npos) << e.what();
  }
}

TEST(Archive, FailedSaveLeavesThePreviousArchive) {
  TempDir dir;
  Models m = fitted();
  dtwin::Archive a;
  a.put("mlp", m.mlp);
  a.save(dir.file("model.h5"));
  // Block the temporary file's name so the next save fails before anything is renamed.
  fs::create_directory(dir.file("model.h5.tmp-" + std::to_string(::getpid())));
  dtwin::Archive b;
  b.put("phate", m.phate);
  EXPECT_THROW(b.save(dir.file("model.h5")), dtwin::IOError);
  auto back = dtwin::Archive::load(dir.file("model.h5"));
  EXPECT_EQ(back.names(), std::vector<std::string>{"mlp"});
}

// Leaves an archive and the predictions C++ makes with it in the build folder, for
// tests/python/test_archive.py to check that Python loads the same model (make test runs the
// C++ tests first).
TEST(Archive, WritesAnArchiveForThePythonSide) {
  Models m = fitted();
  dtwin::Archive a;
  a.put("soft_sensor", m.mlp);
  a.put("pgan", m.gan);
  a.save("cpp_written.h5");
  std::ofstream out("cpp_written_predictions.csv");
  out.precision(17);
  const M P = m.mlp.predict(m.X.leftCols(2));
  for (Eigen::Index i = 0; i < P.rows(); ++i) out << m.X(i, 0) << ',' << m.X(i, 1) << ',' << P(i, 0) << '\n';
  EXPECT_TRUE(fs::exists("cpp_written.h5"));
}

TEST(Archive, SinglePrecisionPhateRoundTrips) {
  TempDir dir;
  dtwin::PhateParams p;
  p.random_state = 0;
  dtwin::Phate<float> phate(p);
  const dtwin::Phate<float>::Matrix X = dtwin_test::swiss_roll(150, 0.3, 4).cast<float>();
  phate.fit(X);
  dtwin::Archive a;
  a.put("phate32", phate);
  a.save(dir.file("f.h5"));
  auto b = dtwin::Archive::load(dir.file("f.h5"));
  EXPECT_EQ(b.get_phate_float("phate32").transform(X.topRows(5)), phate.transform(X.topRows(5)));
  EXPECT_THROW(b.get_phate("phate32"), dtwin::InvalidArgument);
}

// Found by fuzz/fuzz_archive (tests/data): a settings string stored as a null
// variable-length pointer crashed H5Cpp's std::string read.
TEST(Archive, ANullSettingsStringIsAnIOError) {
  EXPECT_THROW(dtwin::Archive::load(DTWIN_SOURCE_DIR "/tests/data/archive_v1_null_settings.h5"),
               dtwin::IOError);
}

// Format version 1 stored variable-length strings; such archives still load.
TEST(Archive, VersionOneArchivesStillLoad) {
  const auto a = dtwin::Archive::load(DTWIN_SOURCE_DIR "/tests/data/archive_v1.h5");
  EXPECT_EQ(a.names(), (std::vector<std::string>{"mlp", "phate"}));
  const auto mlp = a.get_soft_sensor("mlp");
  EXPECT_EQ(mlp.n_inputs(), 2);
  EXPECT_EQ(a.get_phate("phate").state().embedding.rows(), 30);
}
