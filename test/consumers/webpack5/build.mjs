// webpack 5 with the usual ts-loader rule (node_modules excluded): the client must arrive as plain
// JavaScript, and webpack must emit its shared-worker.js from `new URL(…, import.meta.url)` unaided.
import { copyFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import webpack from 'webpack'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))

const compiler = webpack({
  mode: 'production',
  context: here('.'),
  entry: './src/main.ts',
  output: { path: here('dist'), filename: 'main.js', publicPath: 'auto', clean: true },
  resolve: { extensions: ['.ts', '.js'] },
  module: { rules: [{ test: /\.ts$/, loader: 'ts-loader', exclude: /node_modules/ }] },
  devtool: 'source-map',
})

compiler.run((error, stats) => {
  if (error || stats.hasErrors()) {
    console.error(error ?? stats.toString('errors-only'))
    process.exit(1)
  }
  copyFileSync(here('index.html'), here('dist/index.html'))
  console.log(stats.toString({ assets: true, modules: false, colors: false }).split('\n').slice(0, 12).join('\n'))
  compiler.close(() => {})
})
