#!/usr/bin/python3
"""Makes the small .npz fixtures of tests/test-npz.c. Run from this folder:
   /usr/bin/python3 make-fixtures.py
Values are simple formulas so the test can recompute them in C."""
import io
import zipfile
import numpy as np

def arrays():
    a = {}
    a["f32"] = (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3.0)
    a["f16"] = (np.arange(6, dtype=np.float16) * np.float16(0.25) - np.float16(1.0)).reshape(3, 2)
    a["f64"] = np.arange(5, dtype=np.float64) / 3.0
    a["i32"] = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    a["i64"] = np.array([1 << 40, -7, 0], dtype=np.int64)
    a["u8"] = np.arange(250, 256, dtype=np.uint8)
    a["b1"] = np.array([True, False, True, True])
    a["scalar"] = np.array(42, dtype=np.int32)
    a["empty"] = np.zeros((0, 3), dtype=np.float32)
    a["text"] = np.array("ACDE")
    a["group/name//weights"] = np.ones((2, 2), dtype=np.float32)
    # bfloat16 as ml_dtypes saves it: a 2-byte void dtype ('<V2' / '|V2').
    bf = np.array([1.0, -2.5, 0.15625, 3e38], dtype=np.float32)
    a["bf16"] = (bf.view(np.uint32) >> 16).astype(np.uint16).view("V2")
    return a

def main():
    a = arrays()
    np.savez("stored.npz", **a)
    np.savez_compressed("deflated.npz", **a)
    # zip64 records on every member, as large archives have them.
    with zipfile.ZipFile("zip64.npz", "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for k in ("f32", "i32"):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, a[k])
            with zf.open(k + ".npy", "w", force_zip64=True) as f:
                f.write(buf.getvalue())
    # .npy format version 2 header and a Fortran-ordered array.
    with zipfile.ZipFile("versions.npz", "w") as zf:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a["f32"], version=(2, 0))
        zf.writestr("v2.npy", buf.getvalue())
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.asfortranarray(a["f32"]), version=(1, 0))
        zf.writestr("fortran.npy", buf.getvalue())
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a["f32"].astype(">f4"), version=(1, 0))
        zf.writestr("bigendian.npy", buf.getvalue())

if __name__ == "__main__":
    main()
