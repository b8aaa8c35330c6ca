import { useTheme, type DefaultTheme } from 'styled-components';

export type ColourToken = keyof DefaultTheme['colors'];

/** The design system's colour for a token (`danger500`), for SVG fills and inline styles. */
export const useColour = (): ((token: ColourToken) => string) => {
  const theme = useTheme();
  return (token) => theme.colors[token];
};
