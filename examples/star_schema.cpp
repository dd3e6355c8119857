// A star schema (orders -> customers, orders -> products), the same
// operators run factorized and materialized, results and times side by side.
#include <amalur/amalur.hpp>

#include <chrono>
#include <iostream>
#include <random>

template <class F>
double millis(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

int main() {
  const amalur::index_t n = 500000, customers = 2000, products = 500;
  std::mt19937_64 rng(7);
  std::vector<amalur::index_t> customer(n), product(n);
  for (auto& c : customer) c = std::uniform_int_distribution<amalur::index_t>(0, customers - 1)(rng);
  for (auto& p : product) p = std::uniform_int_distribution<amalur::index_t>(0, products - 1)(rng);
  Eigen::MatrixXd orders = Eigen::MatrixXd::Random(n, 2);             // quantity, discount
  Eigen::MatrixXd customer_features = Eigen::MatrixXd::Random(customers, 20);
  Eigen::MatrixXd product_features = Eigen::MatrixXd::Random(products, 30);

  auto T = amalur::normalized(
      amalur::source(orders, amalur::identity_rows(), amalur::columns<0, 1>()),
      amalur::source(customer_features, amalur::gather_rows(customer), amalur::column_block(2, 20)),
      amalur::source(product_features, amalur::gather_rows(product), amalur::column_block(22, 30)));
  std::cout << "T: " << T.rows() << " x " << T.cols() << " over 3 sources\n";

  Eigen::MatrixXd M;
  const double build = millis([&] { M = T.materialize(); });
  const Eigen::VectorXd beta = Eigen::VectorXd::Random(T.cols());
  Eigen::VectorXd yf, ym;
  Eigen::MatrixXd gf, gm;
  const double lmm_f = millis([&] { yf = T * beta; });
  const double lmm_m = millis([&] { ym = M * beta; });
  const double gram_f = millis([&] { gf = T.transpose() * T; });
  const double gram_m = millis([&] { gm = M.transpose() * M; });

  std::cout << "materialize T           " << build << " ms\n"
            << "T * beta      factorized " << lmm_f << " ms, materialized " << lmm_m
            << " ms, max difference " << (yf - ym).cwiseAbs().maxCoeff() << "\n"
            << "T^T T         factorized " << gram_f << " ms, materialized " << gram_m
            << " ms, max difference " << (gf - gm).cwiseAbs().maxCoeff() << "\n";
}
