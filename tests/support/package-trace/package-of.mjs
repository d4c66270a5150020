/** The package a file belongs to: the name after its last node_modules/ (scoped names kept whole), or null. */
export function packageOf(file) {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/.exec(file);
  return m ? m[1].replace(/\\/g, '/') : null;
}
