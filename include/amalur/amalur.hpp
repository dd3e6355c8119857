#pragma once
// amalur: factorized learning over data-integration metadata.
// This header is the Eigen-only core; I/O, the command line and the xtensor
// interop and the L-BFGS solvers (amalur/models/lbfgs.hpp, custom.hpp) have
// their own targets and headers.

#include "amalur/core/config.hpp"
#include "amalur/core/error.hpp"
#include "amalur/materialized/materialized_matrix.hpp"
#include "amalur/metadata/indicator.hpp"
#include "amalur/metadata/layout.hpp"
#include "amalur/metadata/mapping.hpp"
#include "amalur/metadata/source.hpp"
#include "amalur/models/glm.hpp"
#include "amalur/models/kmeans.hpp"
#include "amalur/models/metrics.hpp"
#include "amalur/models/nmf.hpp"
#include "amalur/normalized/dynamic_normalized_matrix.hpp"
#include "amalur/normalized/normalized_matrix.hpp"
#include "amalur/version.hpp"
