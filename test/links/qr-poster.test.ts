import { Resvg } from '@resvg/resvg-js';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import type { TestServer } from '../helpers/build.js';
import { buildV1Server, envKey, v1 } from '../api/v1/v1-server.js';
import { qrPng } from '../../src/links/printables.js';

const publicUrl = 'https://survey.example.test';
let server: TestServer;
beforeAll(async () => {
  server = await buildV1Server({ PUBLIC_URL: publicUrl }, new TestClock('2026-03-10T12:00:00Z'));
});
afterAll(() => server?.close());

/** What a phone camera would read: the text of the QR code in a PNG. */
function decodePng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}
const decodeSvg = (svg: string) => decodePng(new Resvg(svg, { fitTo: { mode: 'width', value: 400 }, background: 'white' }).render().asPng());
const get = (url: string) => server.app.inject(url);

describe('QR codes and posters of a survey link', () => {
  it('gives a PNG and an SVG QR code that decode to the link', async () => {
    const link = (await v1(server.app, envKey, 'POST', '/links', { kind: 'nps', location: 'Main Street' })).json();
    const png = await get(`/s/${link.code}/qr.png`);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(decodePng(png.rawPayload)).toBe(`${publicUrl}/s/${link.code}`);
    const svg = await get(`/s/${link.code}/qr.svg`);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(decodeSvg(svg.body)).toBe(link.url);
    expect((await get('/s/AAAAAAAAAAAA/qr.png')).statusCode).toBe(404);
    expect(png.headers['cache-control']).toBe('public, max-age=86400');
  });

  it('draws a PNG once per link while it is cached (a PNG costs far more CPU than the request around it)', async () => {
    const url = `${publicUrl}/s/BBBBBBBBBBBB`;
    const first = qrPng(url);
    expect(qrPng(url)).toBe(first);
    expect(decodePng(await first)).toBe(url);
  });

  it("prints an A4 and an A6 poster with the business's name, the question in the link's language (the owner's own wording when set) and a QR code that decodes", async () => {
    const name = (await v1(server.app, envKey, 'GET', '/business')).json().name as string;
    const link = (await v1(server.app, envKey, 'POST', '/links', { kind: 'nps', locale: 'es', label: 'Caja 2' })).json();
    const a4 = await get(`/s/${link.code}/poster?size=a4`);
    expect(a4.statusCode).toBe(200);
    expect(a4.body).toContain('@page { size: A4 portrait');
    expect(a4.body).toContain('<html lang="es"');
    expect(a4.body).toContain(`<h1 data-testid="poster-name">${name}</h1>`);
    expect(a4.body).toMatch(/¿Qué probabilidad hay de que recomiendes/);
    expect(a4.body).toContain('Caja 2');
    expect(decodeSvg(/<svg[\s\S]*<\/svg>/.exec(a4.body)![0])).toBe(link.url);

    const question = '¿Nos recomendarías a tus amigos, {business}? Responde de {min} a {max}';
    expect((await v1(server.app, envKey, 'PUT', '/content/nps/es', { messages: { question } })).statusCode).toBe(200);
    const a6 = await get(`/s/${link.code}/poster?size=a6`);
    expect(a6.body).toContain('@page { size: A6 portrait');
    expect(a6.body).toContain(`¿Nos recomendarías a tus amigos, ${name}? Responde de 0 a 10`);
    expect((await get(`/s/${link.code}/poster?size=a3`)).statusCode).toBe(400);
  });
});
