import type uPlot from 'uplot';

/**
 * A rule's limit as a dashed horizontal line across the plot (the y scale is widened to hold it,
 * see PulseChart), drawn after the series so it stays visible.
 */
export function limitLine(limit: number, colour: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const y = Math.round(u.valToPos(limit, 'y', true));
          const { left, top, width, height } = u.bbox;
          if (y < top || y > top + height) return;
          const ctx = u.ctx;
          const px = devicePixelRatio;
          ctx.save();
          ctx.strokeStyle = colour;
          ctx.lineWidth = 1.5 * px;
          ctx.setLineDash([6 * px, 4 * px]);
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
}
