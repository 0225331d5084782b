import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { writeFileSync } from 'node:fs'

// The UI is served by the morph binary at /, so assets are absolute. `npm run dev` proxies the API to a running
// server (MORPH_URL, default http://127.0.0.1:8080).
export default defineConfig({
  // dist/.gitkeep is committed so that go:embed finds the folder without a build: put it back after emptying dist.
  plugins: [vue(), { name: 'keep-gitkeep', closeBundle() { writeFileSync(new URL('./dist/.gitkeep', import.meta.url), '') } }],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          // The form designer and what only it uses: its own chunk, loaded on the designer's route only.
          if (/node_modules\/(@form-create\/(designer|component-wangeditor)|wangeditor|codemirror|marked|js-beautify|signature_pad|sortablejs|vuedraggable|core-js-pure)\//.test(id)) return 'form-designer'
          if (id.includes('node_modules/@form-create')) return 'form-create'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/')) return 'vendor'
        },
      },
    },
  },
  server: { proxy: { '/api': process.env.MORPH_URL || 'http://127.0.0.1:8080' } },
})
