// Matmul, classic GPU tiling (the `baseline` variant): a 16×16 workgroup computes a 64×64 tile of C,
// 4×4 outputs per invocation, staging 16-deep slices of A and B in workgroup memory.
// Prepended: activation_fns.wgsl, matmul_common.wgsl. Dispatch: (ceil(N/64), ceil(M/64)).

const TILE: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> a_tile: array<array<f32, 64>, 16>; // [k][m]
var<workgroup> b_tile: array<array<f32, 64>, 16>; // [k][n]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;

  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 16×64 = 1024 elements of each operand, 4 per invocation; zero outside the matrices.
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      let kk = e / TILE;
      let mn = e % TILE;
      let gk = k0 + kk;
      var av = 0.0;
      if (row0 + mn < p.M && gk < p.K) { av = load_a(row0 + mn, gk); }
      a_tile[kk][mn] = av;
      var bv = 0.0;
      if (col0 + mn < p.N && gk < p.K) { bv = load_b(gk, col0 + mn); }
      b_tile[kk][mn] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var ar: array<f32, 4>;
      var br: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        ar[i] = a_tile[kk][lid.y * 4u + i];
        br[i] = b_tile[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] += ar[i] * br[j];
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (m < p.M && n < p.N) { store_c(m, n, acc[i][j]); }
    }
  }
}
