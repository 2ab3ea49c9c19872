/**
 * The exception-capture code the client uses, as one object. The Node entry hands it to the
 * client at construction (crash hooks must capture synchronously, before the process dies);
 * elsewhere the client imports it with the first `captureException` (`exceptionCode` in `exception-module-loader.ts`),
 * so a program that never captures an exception does not load (or, bundled, download) it.
 */
import { installExceptionAutocapture } from './autocapture.js'
import { createClientExceptionCapturer } from './client-exception-capturer.js'

export const exceptionModule = { createClientExceptionCapturer, installExceptionAutocapture }

export type ExceptionModule = typeof exceptionModule
